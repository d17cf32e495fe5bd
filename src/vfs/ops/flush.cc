// Committing buffered writes (write_back.h) to the metadata, and the views
// of a file that include them.
#include <fmt/format.h>

#include "vfs/data/file_data.h"
#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Status CheckRegular(uint64_t ino, const InodeRecord& rec) {
  if (rec.type == FileType::kDirectory)
    return Status(Code::kIsDirectory, fmt::format("inode {} is a directory", ino));
  if (rec.type != FileType::kRegular)
    return InvalidArgument(fmt::format("inode {} is not a regular file", ino));
  return Status::Ok();
}

InodeRecord OverlayRecord(const DirtyFile& df, InodeRecord rec) {
  if (df.writes.empty()) return rec;
  rec.size = std::max(rec.size, df.writes.end());
  rec.mtime_ns = df.mtime_ns;
  rec.ctime_ns = std::max(rec.ctime_ns, df.mtime_ns);
  if (df.kill_suid) KillSuid(rec);
  return rec;
}

Result<InodeRecord> CommitBuffered(OpContext& ctx, ShareTxn& txn, uint64_t ino, const DirtyFile& df,
                                   InodeRecord rec) {
  NASD_RETURN_IF_ERROR(CheckRegular(ino, rec));
  const uint64_t new_size = std::max(rec.size, df.writes.end());
  NASD_RETURN_IF_ERROR(data::CommitWrites(txn, ctx.chunks, ino, rec.size, new_size, df.writes));
  return OverlayRecord(df, rec);
}

void ForgetBuffered(OpContext& ctx, uint64_t ino, DirtyFile& df) {
  df.writes.Clear();
  df.kill_suid = false;
  ctx.writeback.Remove(ino, df);
}

Status FlushLocked(OpContext& ctx, uint64_t ino, DirtyFile& df) {
  if (df.temp) return Status::Ok();  // committed by PublishTemp
  if (!df.writes.empty()) {
    NASD_RETURN_IF_ERROR(df.writes.Drain(ctx.chunks));
    Status st = ctx.Write([&](ShareTxn& txn) -> Status {
      NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
      NASD_ASSIGN_OR_RETURN(rec, CommitBuffered(ctx, txn, ino, df, rec));
      return txn.PutInode(ino, rec);
    });
    // A file deleted meanwhile takes its unwritten bytes with it.
    if (!st.ok() && st.code() != Code::kStale) return st;
  }
  ForgetBuffered(ctx, ino, df);
  return Status::Ok();
}

Status Spill(OpContext& ctx, uint64_t ino, DirtyFile& df) {
  if (!df.temp) return FlushLocked(ctx, ino, df);
  NASD_RETURN_IF_ERROR(df.writes.StoreAll(ctx.chunks));
  ctx.writeback.Recharge(df);
  return Status::Ok();
}

Status Flush(OpContext& ctx, uint64_t ino) {
  std::shared_ptr<DirtyFile> df = ctx.writeback.Find(ino);
  if (!df) return Status::Ok();
  std::lock_guard lock(df->mu);
  if (df->removed) return Status::Ok();
  return FlushLocked(ctx, ino, *df);
}

Attr OverlayAttr(OpContext& ctx, Attr attr) {
  if (attr.type != FileType::kRegular) return attr;
  std::shared_ptr<DirtyFile> df = ctx.writeback.Find(attr.ino);
  if (!df) return attr;
  std::lock_guard lock(df->mu);
  if (df->removed || df->temp || df->writes.empty()) return attr;
  attr.size = std::max(attr.size, df->writes.end());
  attr.mtime_ns = df->mtime_ns;
  attr.ctime_ns = std::max(attr.ctime_ns, df->mtime_ns);
  if (df->kill_suid) {
    InodeRecord rec;
    rec.mode = attr.mode;
    KillSuid(rec);
    attr.mode = rec.mode;
  }
  return attr;
}

}  // namespace nasd::vfs::ops
