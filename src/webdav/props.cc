#include "webdav/props.h"

#include <fmt/format.h>

#include "webdav/conditional.h"
#include "webdav/content_type.h"
#include "webdav/xml.h"

namespace nasd::webdav {
namespace {

constexpr std::string_view kLive[] = {"resourcetype", "getcontentlength", "getlastmodified",
                                      "creationdate", "getetag",          "getcontenttype",
                                      "displayname",  "supportedlock",    "lockdiscovery"};

bool IsCollection(const ResourceView& r) { return r.attr.type == vfs::FileType::kDirectory; }

}  // namespace

bool IsLiveProp(const PropName& p) {
  if (p.ns != kDavNs) return false;
  for (auto n : kLive) {
    if (p.name == n) return true;
  }
  return false;
}

std::vector<PropName> LivePropNames(const ResourceView& r) {
  std::vector<PropName> out;
  for (auto n : kLive) {
    PropName p{std::string(kDavNs), std::string(n)};
    if (RenderLiveProp(p, r)) out.push_back(std::move(p));
  }
  return out;
}

std::string ActiveLockXml(const Lock& l, std::string_view share) {
  return fmt::format(
      "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope><D:{}/></D:lockscope>"
      "<D:depth>{}</D:depth>{}<D:timeout>Second-{}</D:timeout>"
      "<D:locktoken><D:href>{}</D:href></D:locktoken><D:lockroot><D:href>{}</D:href></D:lockroot>"
      "</D:activelock>",
      l.exclusive ? "exclusive" : "shared", l.infinite ? "infinity" : "0", l.owner_xml,
      l.timeout.count(), XmlEscape(l.token), XmlEscape(Href(share, l.root, false)));
}

std::optional<std::string> RenderLiveProp(const PropName& p, const ResourceView& r) {
  if (p.ns != kDavNs) return std::nullopt;
  const auto& a = r.attr;
  const bool coll = IsCollection(r);
  const std::string& n = p.name;
  if (n == "resourcetype") return coll ? PropElement(p, "<D:collection/>") : PropElement(p);
  if (n == "getcontentlength") {
    if (coll) return std::nullopt;
    return PropElement(p, std::to_string(a.size));
  }
  if (n == "getlastmodified") return PropElement(p, FormatHttpDate(a.mtime_ns / 1'000'000'000));
  if (n == "creationdate") {
    int64_t t = a.crtime_ns != 0 ? a.crtime_ns : a.ctime_ns;
    return PropElement(p, FormatRfc3339(t / 1'000'000'000));
  }
  if (n == "getetag") {
    if (coll) return std::nullopt;
    return PropElement(p, XmlEscape(MakeEtag(a)));
  }
  if (n == "getcontenttype") {
    if (coll) return std::nullopt;
    return PropElement(p, XmlEscape(ContentTypeFor(r.name)));
  }
  if (n == "displayname") return PropElement(p, XmlEscape(r.name.empty() ? r.share : r.name));
  if (n == "supportedlock") {
    return PropElement(
        p,
        "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>"
        "</D:lockentry><D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/>"
        "</D:locktype></D:lockentry>");
  }
  if (n == "lockdiscovery") {
    std::string inner;
    for (const auto& l : r.locks) inner += ActiveLockXml(l, r.share);
    return PropElement(p, inner);
  }
  return std::nullopt;
}

std::string DeadPropXattr(const PropName& p) {
  return fmt::format("{}{}@{}", kDeadPropPrefix, p.name, p.ns);
}

std::optional<PropName> ParseDeadPropXattr(std::string_view xattr) {
  if (!xattr.starts_with(kDeadPropPrefix)) return std::nullopt;
  xattr.remove_prefix(kDeadPropPrefix.size());
  size_t at = xattr.find('@');
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  return PropName{std::string(xattr.substr(at + 1)), std::string(xattr.substr(0, at))};
}

}  // namespace nasd::webdav
