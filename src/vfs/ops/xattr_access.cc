#include "vfs/ops/xattr_access.h"

#include <fmt/format.h>

namespace nasd::vfs {
namespace {

constexpr std::string_view kUser = "user.";
constexpr std::string_view kTrusted = "trusted.";

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

Status CheckXattrName(std::string_view name) {
  if (name.empty() || name.size() > kMaxXattrNameLength) {
    return Status(Code::kValueRange,
                  fmt::format("xattr name must be 1..{} bytes", kMaxXattrNameLength));
  }
  if (name.find('\0') != std::string_view::npos) return InvalidArgument("xattr name contains NUL");
  if (!StartsWith(name, kUser) && !StartsWith(name, kTrusted)) {
    return NotSupported(fmt::format("xattr namespace of '{}' is not supported", name));
  }
  if (name == kUser || name == kTrusted) return InvalidArgument("xattr name has no suffix");
  return Status::Ok();
}

Status CheckXattrAccess(const Caller& caller, const InodeRecord& rec, std::string_view name,
                        bool write) {
  if (StartsWith(name, kTrusted)) {
    if (caller.is_root()) return Status::Ok();
    return write ? Status(Code::kNotPermitted, "trusted xattrs need root")
                 : Status(Code::kNoAttribute, "no such attribute");
  }
  if (rec.type != FileType::kRegular && rec.type != FileType::kDirectory) {
    return write ? Status(Code::kNotPermitted, "user xattrs need a regular file or directory")
                 : Status(Code::kNoAttribute, "no such attribute");
  }
  return CheckAccess(caller, rec, write ? kAccessWrite : kAccessRead);
}

bool XattrVisible(const Caller& caller, const InodeRecord&, std::string_view name) {
  return caller.is_root() || !StartsWith(name, kTrusted);
}

}  // namespace nasd::vfs
