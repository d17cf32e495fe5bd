#include <fmt/format.h>

#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Result<std::string> Read(OpContext& ctx, uint64_t ino, uint64_t offset, uint64_t length) {
  std::string out;
  NASD_RETURN_IF_ERROR(ctx.Read([&](ShareTxn& txn) -> Status {
    out.clear();
    NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
    if (rec.type == FileType::kDirectory)
      return Status(Code::kIsDirectory, fmt::format("inode {} is a directory", ino));
    if (rec.type != FileType::kRegular)
      return InvalidArgument(fmt::format("inode {} is not a regular file", ino));
    if (offset >= rec.size || length == 0) return Status::Ok();
    const uint64_t n = std::min<uint64_t>(length, rec.size - offset);
    NASD_ASSIGN_OR_RETURN(std::string data, txn.GetData(ino));
    // Bytes between the stored data and the size (truncate up) read as zeros.
    out.assign(n, '\0');
    if (offset < data.size())
      data.copy(out.data(), std::min<uint64_t>(n, data.size() - offset), offset);
    return Status::Ok();
  }));
  return out;
}

}  // namespace nasd::vfs::ops
