// The WebDAV If header (RFC 4918 10.4): parsing and evaluation.
//
//   If = 1*No-tag-list | 1*Tagged-list
//   Tagged-list = "<" Simple-ref ">" 1*List
//   List = "(" 1*Condition ")"
//   Condition = ["Not"] ( "<" state-token ">" | "[" entity-tag "]" )
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "webdav/dav_path.h"

namespace nasd::webdav {

struct IfCondition {
  bool negate = false;
  bool is_etag = false;
  std::string value;  // state token (without <>) or entity tag (quotes kept)
};

struct IfList {
  std::optional<std::string> tag;  // resource tag as sent; none for No-tag-list
  std::vector<IfCondition> conditions;
};

struct IfHeader {
  std::vector<IfList> lists;
  // Every state token named anywhere in the header: the lock tokens the
  // client submits (RFC 4918 10.4.1).
  std::vector<std::string> Tokens() const;
};

inline constexpr size_t kMaxIfConditions = 256;

// kInvalidArgument (400) for a malformed header or one with more than
// kMaxIfConditions conditions.
Result<IfHeader> ParseIfHeader(std::string_view header);

// What a condition is evaluated against.
struct ResourceState {
  std::string etag;                      // "" when the resource does not exist
  std::vector<std::string> lock_tokens;  // locks that cover the resource
};

// Evaluates the lists that apply to the resource at path (untagged lists,
// and tagged lists whose tag names path in share). True when none applies
// or any applicable list holds. Tagged lists for other resources are
// evaluated when those resources are checked.
bool IfHeaderHolds(const IfHeader& h, std::string_view share, const DavPath& path,
                   const ResourceState& state);

}  // namespace nasd::webdav
