// Temp files (O_TMPFILE-like): an upload is written into an anonymous inode
// whose record lives only in its DirtyFile, then published under a name in
// one transaction that writes the inode, its data and the entry together
// (replacing an existing file atomically). An abandoned temp file leaves no
// metadata; chunks it stored are unreferenced and go to the collector.
#include <fmt/format.h>

#include "vfs/data/file_data.h"
#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Result<Attr> CreateTemp(OpContext& ctx, const Caller& caller, const Attr& parent, uint32_t mode) {
  if (parent.type != FileType::kDirectory) {
    return Status(Code::kNotDirectory, fmt::format("inode {} is not a directory", parent.ino));
  }
  const InodeRecord dir = AccessRecord(parent);
  NASD_RETURN_IF_ERROR(CheckAccess(caller, dir, kAccessWrite | kAccessExec));
  NASD_ASSIGN_OR_RETURN(uint64_t ino, ctx.inodes.Next());
  InodeRecord rec = NewInodeRecord(caller, dir, FileType::kRegular, mode, 0, ctx.now());
  rec.nlink = 0;
  std::unique_lock<std::mutex> lock;
  std::shared_ptr<DirtyFile> df = LockDirty(ctx.writeback, ino, lock);
  df->temp = true;
  df->temp_rec = rec;
  return ToAttr(ino, rec);
}

namespace {

Result<std::shared_ptr<DirtyFile>> LockTemp(OpContext& ctx, uint64_t tmp,
                                            std::unique_lock<std::mutex>& lock) {
  std::shared_ptr<DirtyFile> df = ctx.writeback.Find(tmp);
  if (df) {
    lock = std::unique_lock(df->mu);
    if (!df->removed && df->temp) return df;
    lock.unlock();
  }
  return InvalidArgument(fmt::format("inode {} is not an unpublished temp file", tmp));
}

}  // namespace

Result<Attr> PublishTemp(OpContext& ctx, const Caller& caller, uint64_t tmp, uint64_t parent,
                         std::string_view name) {
  if (IsDots(name)) return Status(Code::kBusy, fmt::format("cannot replace '{}'", name));
  NASD_RETURN_IF_ERROR(CheckName(name));
  std::unique_lock<std::mutex> lock;
  NASD_ASSIGN_OR_RETURN(std::shared_ptr<DirtyFile> df, LockTemp(ctx, tmp, lock));
  NASD_RETURN_IF_ERROR(df->writes.Drain(ctx.chunks));
  Attr out;
  NASD_RETURN_IF_ERROR(ctx.Write([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(InodeRecord dir, LoadDir(txn, parent));
    NASD_RETURN_IF_ERROR(CheckAccess(caller, dir, kAccessExec));
    NASD_ASSIGN_OR_RETURN(auto existing, txn.GetEntry(parent, name));
    NASD_RETURN_IF_ERROR(CheckAccess(caller, dir, kAccessWrite | kAccessExec));
    const int64_t now = ctx.now();
    if (existing) {
      NASD_ASSIGN_OR_RETURN(InodeRecord victim, LoadInode(txn, existing->ino));
      if (victim.type == FileType::kDirectory)
        return Status(Code::kIsDirectory, fmt::format("'{}' is a directory", name));
      NASD_RETURN_IF_ERROR(CheckSticky(caller, dir, victim));
      NASD_RETURN_IF_ERROR(DropLink(ctx, txn, existing->ino, victim, now));
    }
    InodeRecord rec = OverlayRecord(*df, df->temp_rec);
    rec.nlink = 1;
    rec.ctime_ns = now;
    NASD_RETURN_IF_ERROR(txn.PutInode(tmp, rec));
    NASD_RETURN_IF_ERROR(data::CommitWrites(txn, ctx.chunks, tmp, 0, rec.size, df->writes));
    NASD_RETURN_IF_ERROR(txn.PutEntry(parent, name, meta::DirEntryRecord{tmp, FileType::kRegular}));
    NASD_RETURN_IF_ERROR(txn.TouchDir(parent, now));
    out = ToAttr(tmp, rec);
    return Status::Ok();
  }));
  df->writes.Clear();
  df->temp = false;
  ctx.writeback.Remove(tmp, *df);
  return out;
}

Status DropTemp(OpContext& ctx, uint64_t tmp) {
  std::unique_lock<std::mutex> lock;
  NASD_ASSIGN_OR_RETURN(std::shared_ptr<DirtyFile> df, LockTemp(ctx, tmp, lock));
  df->writes.Clear();
  df->temp = false;
  ctx.writeback.Remove(tmp, *df);
  return Status::Ok();
}

}  // namespace nasd::vfs::ops
