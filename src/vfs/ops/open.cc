#include <fmt/format.h>

#include "vfs/data/file_data.h"
#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Result<Attr> Open(OpContext& ctx, const Caller& caller, uint64_t ino, OpenFlags flags) {
  if (flags.truncate && !flags.write) return InvalidArgument("O_TRUNC needs write access");
  Attr out;
  // Only a truncating open writes; the others read one snapshot.
  auto run = [&](const std::function<Status(ShareTxn&)>& body) {
    return flags.truncate ? ctx.Write(body) : ctx.Read(body);
  };
  NASD_RETURN_IF_ERROR(run([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
    if (rec.type == FileType::kSymlink)
      return Status(Code::kLoop, fmt::format("inode {} is a symlink", ino));
    if (rec.type == FileType::kDirectory && flags.write) {
      return Status(Code::kIsDirectory, fmt::format("inode {} is a directory", ino));
    }
    int mask = (flags.read ? kAccessRead : 0) | (flags.write ? kAccessWrite : 0);
    NASD_RETURN_IF_ERROR(CheckAccess(caller, rec, mask));
    if (flags.truncate) {
      NASD_RETURN_IF_ERROR(data::Resize(txn, ctx.chunks, ino, rec.size, 0, ctx.block_size));
      rec.size = 0;
      rec.mtime_ns = rec.ctime_ns = ctx.now();
      if (!caller.is_root()) KillSuid(rec);
      NASD_RETURN_IF_ERROR(txn.PutInode(ino, rec));
    }
    out = ToAttr(ino, rec);
    return Status::Ok();
  }));
  return out;
}

}  // namespace nasd::vfs::ops
