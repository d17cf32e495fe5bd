// Plain HTTP request/response values passed between the Beast-based server
// (server.cc, the only file that includes Beast for serving) and handlers.
// Handlers never see Asio or Beast types, so including this header is cheap.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace nasd::http {

// Case-insensitive header map (names compared lowercase; stored lowercase).
class Headers {
 public:
  void Set(std::string_view name, std::string value);
  void Add(std::string_view name, std::string value);
  std::optional<std::string_view> Get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& all() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct Request {
  std::string method;                        // "GET"
  std::string target;                        // raw target "/api/v1/shares?force=true"
  std::string path;                          // percent-decoded path "/api/v1/shares"
  std::map<std::string, std::string> query;  // decoded query parameters
  Headers headers;
  std::string body;
  std::string remote;                        // "127.0.0.1:53412"
  std::string request_id;                    // assigned by the server
  std::map<std::string, std::string> params; // route captures, e.g. {"name": "docs"}
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body);
  // {"error":{"code":"<CodeName>","message":"..."}} with ToHttpStatus(code).
  static Response Error(const Status& status);
  static Response Error(int http_status, std::string_view code, std::string_view message);
};

// Percent-decodes s; nullopt on malformed escapes or an encoded NUL.
std::optional<std::string> PercentDecode(std::string_view s);

}  // namespace nasd::http
