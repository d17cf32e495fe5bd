#include <fmt/format.h>

#include "vfs/ops/ops.h"
#include "vfs/ops/xattr_access.h"

namespace nasd::vfs::ops {

Status RemoveXattr(OpContext& ctx, const Caller& caller, uint64_t ino, std::string_view name) {
  NASD_RETURN_IF_ERROR(CheckXattrName(name));
  return ctx.Write([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
    NASD_RETURN_IF_ERROR(CheckXattrAccess(caller, rec, name, /*write=*/true));
    NASD_ASSIGN_OR_RETURN(auto existing, txn.GetXattr(ino, name));
    if (!existing) return Status(Code::kNoAttribute, fmt::format("no attribute '{}'", name));
    NASD_RETURN_IF_ERROR(txn.EraseXattr(ino, name));
    rec.ctime_ns = ctx.now();
    return txn.PutInode(ino, rec);
  });
}

}  // namespace nasd::vfs::ops
