// Buffered writes (write_back.h): bytes go to the file's DirtyFile; whole
// blocks are stored as chunks at once, the rest waits for a flush, which
// commits blocks, size and times in one transaction (flush.cc).
#include <fmt/format.h>

#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

std::shared_ptr<DirtyFile> LockDirty(WriteBack& wb, uint64_t ino, std::unique_lock<std::mutex>& lock) {
  for (;;) {
    std::shared_ptr<DirtyFile> df = wb.FindOrCreate(ino);
    lock = std::unique_lock(df->mu);
    if (!df->removed) return df;
    lock.unlock();
  }
}

Result<Attr> Write(OpContext& ctx, const Caller& caller, uint64_t ino, uint64_t offset,
                   std::string_view data) {
  if (offset > kMaxFileSize || data.size() > kMaxFileSize - offset) {
    return TooLarge(fmt::format("write ends past the maximum file size {}", kMaxFileSize));
  }
  std::unique_lock<std::mutex> lock;
  std::shared_ptr<DirtyFile> df = LockDirty(ctx.writeback, ino, lock);
  if (!df->temp && df->writes.empty()) {
    // First buffered write: the inode must be a regular file now.
    Status checked = ctx.Read([&](ShareTxn& txn) -> Status {
      NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
      return CheckRegular(ino, rec);
    });
    if (!checked.ok()) {
      ctx.writeback.Remove(ino, *df);
      return checked;
    }
  }
  if (!data.empty()) {
    if (df->writes.empty()) df->since = std::chrono::steady_clock::now();
    NASD_RETURN_IF_ERROR(df->writes.Write(ctx.chunks, offset, data));
    df->mtime_ns = ctx.now();
    if (!caller.is_root()) df->kill_suid = true;
    ctx.writeback.Recharge(*df);
    if (ctx.writeback.budget().Over()) {
      // Back-pressure: a writer over the budget pays for its own buffers.
      NASD_RETURN_IF_ERROR(Spill(ctx, ino, *df));
    }
  }
  if (df->temp) return ToAttr(ino, OverlayRecord(*df, df->temp_rec));
  Attr out;
  NASD_RETURN_IF_ERROR(ctx.Read([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
    out = ToAttr(ino, OverlayRecord(*df, rec));
    return Status::Ok();
  }));
  if (!df->temp && df->writes.empty()) ctx.writeback.Remove(ino, *df);
  return out;
}

}  // namespace nasd::vfs::ops
