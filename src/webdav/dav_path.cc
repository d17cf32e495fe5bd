#include "webdav/dav_path.h"

#include <fmt/format.h>

#include "http/request_parts.h"
#include "vfs/types.h"

namespace nasd::webdav {

std::string DavPath::Key() const {
  std::string out;
  for (const auto& s : segments) {
    if (!out.empty()) out += '/';
    out += s;
  }
  return out;
}

DavPath DavPath::Parent() const {
  DavPath p = *this;
  if (!p.segments.empty()) p.segments.pop_back();
  return p;
}

DavPath DavPath::Child(std::string name) const {
  DavPath p = *this;
  p.segments.push_back(std::move(name));
  return p;
}

bool DavPath::IsWithin(const DavPath& other) const {
  if (other.segments.size() > segments.size()) return false;
  for (size_t i = 0; i < other.segments.size(); ++i) {
    if (segments[i] != other.segments[i]) return false;
  }
  return true;
}

Result<DavPath> ParseDavPath(std::string_view decoded) {
  if (decoded.size() > kMaxPathBytes) {
    return InvalidArgument(fmt::format("path longer than {} bytes", kMaxPathBytes));
  }
  DavPath out;
  if (decoded.empty()) return out;
  std::string_view rest = decoded;
  if (rest.ends_with('/')) rest.remove_suffix(1);  // one trailing '/': a collection
  while (true) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (seg.empty()) return InvalidArgument("empty path segment ('//')");
    if (seg == "." || seg == "..") return InvalidArgument("'.' or '..' segment in the path");
    if (seg.find('\0') != std::string_view::npos) return InvalidArgument("NUL in a path segment");
    if (seg.size() > vfs::kMaxNameLength) {
      return Status(Code::kNameTooLong,
                    fmt::format("name longer than {} bytes", vfs::kMaxNameLength));
    }
    out.segments.emplace_back(seg);
    if (slash == std::string_view::npos) return out;
    rest.remove_prefix(slash + 1);
  }
}

std::string EncodeSegment(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string Href(std::string_view share, const DavPath& path, bool collection) {
  std::string out(kDavPrefix);
  out += EncodeSegment(share);
  for (const auto& s : path.segments) {
    out += '/';
    out += EncodeSegment(s);
  }
  if (collection || path.is_root()) out += '/';
  return out;
}

Result<ParsedUrl> ParseDavUrl(std::string_view url) {
  ParsedUrl out;
  std::string_view path = url;
  size_t scheme = url.find("://");
  if (scheme != std::string_view::npos &&
      url.substr(0, scheme).find('/') == std::string_view::npos) {
    std::string_view rest = url.substr(scheme + 3);
    size_t slash = rest.find('/');
    out.authority = std::string(rest.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
  }
  size_t frag = path.find('#');
  if (frag != std::string_view::npos) path = path.substr(0, frag);
  auto target = http::ParseTarget(path);
  if (!target.ok()) return target.status();
  std::string_view p = target->path;
  if (!p.starts_with(kDavPrefix)) return Status(Code::kCrossDevice, "URL is not under /dav/");
  p.remove_prefix(kDavPrefix.size());
  size_t slash = p.find('/');
  out.share = std::string(p.substr(0, slash));
  if (out.share.empty()) return Status(Code::kCrossDevice, "URL names no share");
  NASD_ASSIGN_OR_RETURN(
      out.path,
      ParseDavPath(slash == std::string_view::npos ? std::string_view() : p.substr(slash + 1)));
  return out;
}

}  // namespace nasd::webdav
