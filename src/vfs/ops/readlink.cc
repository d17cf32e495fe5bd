#include <fmt/format.h>

#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Result<std::string> ReadLink(OpContext& ctx, uint64_t ino) {
  std::string target;
  NASD_RETURN_IF_ERROR(ctx.Read([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
    if (rec.type != FileType::kSymlink)
      return InvalidArgument(fmt::format("inode {} is not a symlink", ino));
    NASD_ASSIGN_OR_RETURN(auto stored, txn.GetSymlink(ino));
    if (!stored) return Corruption(fmt::format("symlink {} has no target record", ino));
    target = std::move(*stored);
    return Status::Ok();
  }));
  return target;
}

}  // namespace nasd::vfs::ops
