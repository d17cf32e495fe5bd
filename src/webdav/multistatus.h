// Builds a 207 Multi-Status body (RFC 4918 13). Properties are written by
// name: DAV: properties with the D: prefix, others declaring their
// namespace as the default on the element itself.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace nasd::webdav {

struct PropName {
  std::string ns;
  std::string name;
  bool operator==(const PropName&) const = default;
  bool operator<(const PropName& o) const { return ns != o.ns ? ns < o.ns : name < o.name; }
};

// "<D:name>inner</D:name>" or "<name xmlns=\"ns\">inner</name>" (empty inner: "/>").
std::string PropElement(const PropName& p, std::string_view inner = "");

// "HTTP/1.1 404 Not Found"
std::string StatusLine(int status);

class Multistatus {
 public:
  struct Propstat {
    int status = 200;
    std::string props;  // concatenated property elements
  };
  void AddProps(std::string_view href, const std::vector<Propstat>& propstats);
  void AddStatus(std::string_view href, int status, std::string_view error_xml = "");
  bool empty() const { return count_ == 0; }
  // The 207 response with the whole body.
  http::Response Finish();

 private:
  std::string body_;
  size_t count_ = 0;
};

}  // namespace nasd::webdav
