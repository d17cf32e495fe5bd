// Mapping between request URLs under /dav/{share}/ and share-relative paths.
//
// A DavPath is a list of names below the share root, each a valid vfs name:
// non-empty, not "." or "..", no '/' or NUL, at most vfs::kMaxNameLength
// bytes. Anything else is refused with kInvalidArgument (kNameTooLong for a
// long name; both 400), so no request can name an object outside its share.
// The HTTP layer already refuses dot segments and encoded '/' in the raw
// target; these checks hold on their own.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace nasd::webdav {

inline constexpr std::string_view kDavPrefix = "/dav/";
inline constexpr size_t kMaxPathBytes = 4096;

struct DavPath {
  std::vector<std::string> segments;  // empty = the share root

  bool is_root() const { return segments.empty(); }
  std::string Key() const;  // "a/b/c" ("" for the root): the lock table's key
  std::string Name() const { return segments.empty() ? std::string() : segments.back(); }
  DavPath Parent() const;
  DavPath Child(std::string name) const;
  // True if this equals other or lies below it.
  bool IsWithin(const DavPath& other) const;
  bool operator==(const DavPath&) const = default;
};

// The decoded share-relative path ("a/b/" or "") from the router's capture.
Result<DavPath> ParseDavPath(std::string_view decoded);

// Percent-encodes a name for an href (unreserved characters kept).
std::string EncodeSegment(std::string_view name);
// "/dav/share/a/b" (+ "/" when collection).
std::string Href(std::string_view share, const DavPath& path, bool collection);

// A URL from a Destination or If header: "http://host[:port]/dav/..." or
// "/dav/...". authority is "host:port" ("" when the URL is only a path).
struct ParsedUrl {
  std::string authority;
  std::string share;
  DavPath path;
};
// kInvalidArgument for a malformed URL or an unsafe path; kCrossDevice when
// the URL is not under /dav/{share}/.
Result<ParsedUrl> ParseDavUrl(std::string_view url);

}  // namespace nasd::webdav
