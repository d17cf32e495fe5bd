#include <fmt/format.h>

#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Result<Attr> Write(OpContext& ctx, const Caller& caller, uint64_t ino, uint64_t offset,
                   std::string_view data) {
  if (offset > kMaxFileSize || data.size() > kMaxFileSize - offset) {
    return TooLarge(fmt::format("write ends past the maximum file size {}", kMaxFileSize));
  }
  Attr out;
  NASD_RETURN_IF_ERROR(ctx.Write([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
    if (rec.type == FileType::kDirectory)
      return Status(Code::kIsDirectory, fmt::format("inode {} is a directory", ino));
    if (rec.type != FileType::kRegular)
      return InvalidArgument(fmt::format("inode {} is not a regular file", ino));
    if (!data.empty()) {
      NASD_ASSIGN_OR_RETURN(std::string bytes, txn.GetData(ino));
      const uint64_t end = offset + data.size();
      if (bytes.size() < end) bytes.resize(end, '\0');
      bytes.replace(offset, data.size(), data);
      NASD_RETURN_IF_ERROR(txn.PutData(ino, bytes));
      rec.size = std::max(rec.size, end);
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
