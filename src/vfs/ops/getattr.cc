#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Result<Attr> GetAttr(OpContext& ctx, uint64_t ino) {
  Attr out;
  NASD_RETURN_IF_ERROR(ctx.Read([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
    out = ToAttr(ino, rec);
    return Status::Ok();
  }));
  return out;
}

Status Access(OpContext& ctx, const Caller& caller, uint64_t ino, int mask) {
  if ((mask & ~(kAccessRead | kAccessWrite | kAccessExec)) != 0)
    return InvalidArgument("bad access mask");
  return ctx.Read([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
    return CheckAccess(caller, rec, mask);
  });
}

}  // namespace nasd::vfs::ops
