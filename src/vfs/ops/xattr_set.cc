#include <fmt/format.h>

#include "vfs/ops/ops.h"
#include "vfs/ops/xattr_access.h"

namespace nasd::vfs::ops {

Status SetXattr(OpContext& ctx, const Caller& caller, uint64_t ino, std::string_view name,
                std::string_view value, int flags) {
  if ((flags & ~(kXattrCreate | kXattrReplace)) != 0 || flags == (kXattrCreate | kXattrReplace)) {
    return InvalidArgument(fmt::format("bad setxattr flags {}", flags));
  }
  NASD_RETURN_IF_ERROR(CheckXattrName(name));
  if (value.size() > kMaxXattrValueSize) {
    return Status(Code::kValueTooLarge, fmt::format("xattr value is {} bytes; the limit is {}",
                                                    value.size(), kMaxXattrValueSize));
  }
  return ctx.Write([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
    NASD_RETURN_IF_ERROR(CheckXattrAccess(caller, rec, name, /*write=*/true));
    NASD_ASSIGN_OR_RETURN(auto existing, txn.GetXattr(ino, name));
    if (existing && (flags & kXattrCreate))
      return AlreadyExists(fmt::format("attribute '{}' exists", name));
    if (!existing && (flags & kXattrReplace))
      return Status(Code::kNoAttribute, fmt::format("no attribute '{}'", name));
    NASD_RETURN_IF_ERROR(txn.PutXattr(ino, name, value));
    rec.ctime_ns = ctx.now();
    return txn.PutInode(ino, rec);
  });
}

}  // namespace nasd::vfs::ops
