// Name and permission rules shared by the xattr operations (Linux
// xattr_permission): namespaces "user." (regular files and directories
// only, permission bits apply) and "trusted." (root only). Other namespaces
// are kNotSupported.
#pragma once

#include <string_view>

#include "vfs/ops/op_context.h"

namespace nasd::vfs {

// kValueRange for an empty name or one longer than kMaxXattrNameLength,
// kNotSupported for an unknown namespace, kInvalidArgument for a bare prefix.
Status CheckXattrName(std::string_view name);
// write: set/remove (kNotPermitted where Linux says EPERM); read: get
// (kNoAttribute where the attribute is invisible to the caller).
Status CheckXattrAccess(const Caller& caller, const InodeRecord& rec, std::string_view name,
                        bool write);
// Whether listxattr shows name to caller.
bool XattrVisible(const Caller& caller, const InodeRecord& rec, std::string_view name);

}  // namespace nasd::vfs
