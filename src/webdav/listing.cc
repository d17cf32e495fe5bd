// GET of a collection: an HTML page for browsers (every name escaped) or,
// with Accept: application/json, {"entries":[{"name","type","size","modified"}]}.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "webdav/conditional.h"
#include "webdav/methods.h"
#include "webdav/xml.h"

namespace nasd::webdav {

http::Response CollectionListing(DavRequest& r, const vfs::Attr& dir) {
  auto entries = ListDir(r, dir.ino);
  if (!entries.ok()) return ErrorResponse(entries.status());
  struct Item {
    std::string name;
    vfs::Attr attr;
  };
  std::vector<Item> items;
  for (const auto& e : *entries) {
    auto a = r.fs->GetAttr(e.ino);
    if (a.ok()) items.push_back({e.name, *a});
  }
  auto accept = r.http.headers.Get("accept");
  if (accept && accept->find("application/json") != std::string_view::npos) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& it : items) {
      const bool d = it.attr.type == vfs::FileType::kDirectory;
      list.push_back({{"name", it.name},
                      {"type", d ? "collection" : "file"},
                      {"size", it.attr.size},
                      {"modified", FormatRfc3339(it.attr.mtime_ns / 1'000'000'000)}});
    }
    nlohmann::json body{{"path", r.HrefOf(r.path, true)}, {"entries", list}};
    return http::Response::Json(
        200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  const std::string here = r.HrefOf(r.path, true);
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of {0}</title></head>\n"
      "<body><h1>Index of "
      "{0}</h1>\n<table>\n<tr><th>Name</th><th>Size</th><th>Modified</th></tr>\n",
      XmlEscape(here));
  if (!r.path.is_root()) {
    html += fmt::format("<tr><td><a href=\"{}\">../</a></td><td></td><td></td></tr>\n",
                        XmlEscape(r.HrefOf(r.path.Parent(), true)));
  }
  for (const auto& it : items) {
    const bool d = it.attr.type == vfs::FileType::kDirectory;
    html += fmt::format("<tr><td><a href=\"{}\">{}{}</a></td><td>{}</td><td>{}</td></tr>\n",
                        XmlEscape(r.HrefOf(r.path.Child(it.name), d)), XmlEscape(it.name),
                        d ? "/" : "", d ? std::string("-") : std::to_string(it.attr.size),
                        FormatHttpDate(it.attr.mtime_ns / 1'000'000'000));
  }
  html += "</table></body></html>\n";
  http::Response resp;
  resp.status = 200;
  resp.headers.Set("content-type", "text/html; charset=utf-8");
  resp.body = std::move(html);
  return resp;
}

}  // namespace nasd::webdav
