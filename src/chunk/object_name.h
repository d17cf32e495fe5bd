// Backend object names (backend.h): [0-9a-z._-], 1..128 bytes, never "." or
// "..". Every Backend implementation rejects other names with kInvalidArgument
// through CheckObjectName, so a name is always safe as a file name or URL path.
#pragma once

#include <string_view>

#include "common/status.h"

namespace nasd::chunk {

inline constexpr size_t kMaxObjectNameLength = 128;

inline bool IsValidObjectName(std::string_view name) {
  if (name.empty() || name.size() > kMaxObjectNameLength) return false;
  if (name == "." || name == "..") return false;
  for (char c : name) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

inline Status CheckObjectName(std::string_view name) {
  if (IsValidObjectName(name)) return Status::Ok();
  return InvalidArgument("invalid object name '" +
                         std::string(name.substr(0, kMaxObjectNameLength)) +
                         "': want 1-128 characters of [0-9a-z._-]");
}

}  // namespace nasd::chunk
