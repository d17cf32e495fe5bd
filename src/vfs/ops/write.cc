// Buffered writes (write_back.h): bytes go to the file's DirtyFile; whole
// blocks are stored as chunks at once, the rest waits for a flush, which
// commits blocks, size and times in one transaction (flush.cc).
#include <fmt/format.h>

#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

std::shared_ptr<DirtyFile> LockDirty(WriteBack& wb, uint64_t ino, std::unique_lock<std::mutex>& lock,
                                     bool wait) {
  for (;;) {
    std::shared_ptr<DirtyFile> df = wb.FindOrCreate(ino);
    lock = wait ? std::unique_lock(df->mu) : std::unique_lock(df->mu, std::try_to_lock);
    if (!lock.owns_lock()) return nullptr;
    if (!df->removed) return df;
    lock.unlock();
  }
}

Result<Attr> Write(OpContext& ctx, const Caller& caller, uint64_t ino, uint64_t offset,
                   std::string_view data, Attr* before, bool nowait) {
  if (offset > kMaxFileSize || data.size() > kMaxFileSize - offset) {
    return TooLarge(fmt::format("write ends past the maximum file size {}", kMaxFileSize));
  }
  std::unique_lock<std::mutex> lock;
  std::shared_ptr<DirtyFile> df = LockDirty(ctx.writeback, ino, lock, /*wait=*/!nowait);
  if (!df) return Status(Code::kWouldBlock, fmt::format("inode {} is being flushed", ino));
  // The stored record, read once under the file's lock: no flush of this
  // file can change it until the lock is released (a flush takes the lock),
  // so the attributes before and after this write are a consistent pair.
  InodeRecord rec;
  auto load = [&]() -> Status {
    return ctx.Read([&](ShareTxn& txn) -> Status {
      NASD_ASSIGN_OR_RETURN(rec, LoadInode(txn, ino));
      return CheckRegular(ino, rec);
    });
  };
  if (df->temp) {
    rec = df->temp_rec;
  } else if (Status loaded = load(); !loaded.ok()) {
    if (df->writes.empty()) ctx.writeback.Remove(ino, *df);
    return loaded;
  }
  const DirtyBudget& budget = ctx.writeback.budget();
  if (nowait && !data.empty() &&
      (df->writes.WouldWait(offset, data.size()) ||
       budget.used() + static_cast<int64_t>(data.size()) > static_cast<int64_t>(budget.cap()))) {
    if (df->writes.empty()) ctx.writeback.Remove(ino, *df);
    return Status(Code::kWouldBlock, fmt::format("a write to inode {} would wait for the chunk store", ino));
  }
  if (before != nullptr) *before = ToAttr(ino, OverlayRecord(*df, rec));
  bool spilled = false;
  if (!data.empty()) {
    if (df->writes.empty()) df->since = std::chrono::steady_clock::now();
    NASD_RETURN_IF_ERROR(df->writes.Write(ctx.chunks, offset, data));
    df->mtime_ns = ctx.now();
    if (!caller.is_root()) df->kill_suid = true;
    ctx.writeback.Recharge(*df);
    if (ctx.writeback.budget().Over()) {
      // Back-pressure: a writer over the budget pays for its own buffers.
      NASD_RETURN_IF_ERROR(Spill(ctx, ino, *df));
      spilled = true;
    }
  }
  if (df->temp) return ToAttr(ino, OverlayRecord(*df, df->temp_rec));
  // A spill committed buffered bytes: the stored record moved on.
  if (spilled) NASD_RETURN_IF_ERROR(load());
  Attr out = ToAttr(ino, OverlayRecord(*df, rec));
  if (df->writes.empty()) ctx.writeback.Remove(ino, *df);
  return out;
}

}  // namespace nasd::vfs::ops
