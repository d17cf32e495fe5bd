#include "webdav/multistatus.h"

#include <fmt/format.h>

#include "webdav/xml.h"

namespace nasd::webdav {
namespace {

std::string_view Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 423:
      return "Locked";
    case 424:
      return "Failed Dependency";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 507:
      return "Insufficient Storage";
    default:
      return "Unknown";
  }
}

}  // namespace

std::string PropElement(const PropName& p, std::string_view inner) {
  if (p.ns == kDavNs) {
    if (inner.empty()) return fmt::format("<D:{}/>", p.name);
    return fmt::format("<D:{}>{}</D:{}>", p.name, inner, p.name);
  }
  std::string open = p.ns.empty() ? fmt::format("<{} xmlns=\"\"", p.name)
                                  : fmt::format("<{} xmlns=\"{}\"", p.name, XmlEscape(p.ns));
  if (inner.empty()) return open + "/>";
  return fmt::format("{}>{}</{}>", open, inner, p.name);
}

std::string StatusLine(int status) { return fmt::format("HTTP/1.1 {} {}", status, Reason(status)); }

void Multistatus::AddProps(std::string_view href, const std::vector<Propstat>& propstats) {
  ++count_;
  body_ += fmt::format("<D:response><D:href>{}</D:href>", XmlEscape(href));
  for (const auto& ps : propstats) {
    body_ += fmt::format("<D:propstat><D:prop>{}</D:prop><D:status>{}</D:status></D:propstat>",
                         ps.props, StatusLine(ps.status));
  }
  body_ += "</D:response>\n";
}

void Multistatus::AddStatus(std::string_view href, int status, std::string_view error_xml) {
  ++count_;
  body_ += fmt::format("<D:response><D:href>{}</D:href><D:status>{}</D:status>{}</D:response>\n",
                       XmlEscape(href), StatusLine(status), error_xml);
}

http::Response Multistatus::Finish() {
  http::Response resp;
  resp.status = 207;
  resp.headers.Set("content-type", "application/xml; charset=utf-8");
  resp.body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"DAV:\">\n" +
              body_ + "</D:multistatus>\n";
  return resp;
}

}  // namespace nasd::webdav
