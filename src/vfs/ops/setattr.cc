// chmod, chown, truncate and utimensat in one transaction, together with the
// file's buffered writes (they land first, so a truncate or explicit times
// apply after them, and one durable commit covers both), with the checks
// of Linux's setattr_prepare: only the owner (or root) changes mode and
// explicit times; only root changes the owner; the owner may change the
// group to one of its groups; UTIME_NOW needs ownership or write access.
#include <fmt/format.h>
#include <sys/stat.h>

#include "vfs/data/file_data.h"
#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {
namespace {

using How = TimeSpec::How;

Status CheckSetAttr(const Caller& caller, const InodeRecord& rec, const SetAttrRequest& req) {
  const bool owner = OwnsOrRoot(caller, rec);
  if (req.size) {
    if (rec.type == FileType::kDirectory)
      return Status(Code::kIsDirectory, "cannot truncate a directory");
    if (rec.type != FileType::kRegular) return InvalidArgument("can only truncate a regular file");
    NASD_RETURN_IF_ERROR(CheckAccess(caller, rec, kAccessWrite));
    if (*req.size > kMaxFileSize) {
      return TooLarge(
          fmt::format("size {} exceeds the maximum file size {}", *req.size, kMaxFileSize));
    }
  }
  if (req.uid && !caller.is_root() && (*req.uid != rec.uid || caller.uid != rec.uid)) {
    return Status(Code::kNotPermitted, "only root may change a file's owner");
  }
  if (req.gid && !caller.is_root() &&
      (caller.uid != rec.uid || (*req.gid != rec.gid && !caller.InGroup(*req.gid)))) {
    return Status(Code::kNotPermitted,
                  "only the owner may change the group, to one of its own groups");
  }
  if (req.mode && !owner) return Status(Code::kNotPermitted, "only the owner may change the mode");
  if (req.atime.how == How::kSet || req.mtime.how == How::kSet) {
    if (!owner) return Status(Code::kNotPermitted, "only the owner may set explicit times");
  } else if ((req.atime.how == How::kNow || req.mtime.how == How::kNow) && !owner) {
    NASD_RETURN_IF_ERROR(CheckAccess(caller, rec, kAccessWrite));
  }
  return Status::Ok();
}

void ApplyTime(const TimeSpec& t, int64_t now, int64_t& field) {
  if (t.how == How::kNow) field = now;
  if (t.how == How::kSet) field = t.ns;
}

}  // namespace

Result<Attr> SetAttr(OpContext& ctx, const Caller& caller, uint64_t ino,
                     const SetAttrRequest& req, Attr* before) {
  // Held to the end: no write may slip in between the buffers committed
  // here and the new attributes. Temp files are committed by PublishTemp.
  std::shared_ptr<DirtyFile> df = ctx.writeback.Find(ino);
  std::unique_lock<std::mutex> lock;
  if (df) {
    lock = std::unique_lock(df->mu);
    if (df->removed || df->temp || df->writes.empty()) {
      lock.unlock();
      df.reset();
    }
  }
  if (df) NASD_RETURN_IF_ERROR(df->writes.Drain(ctx.chunks));
  Attr out;
  NASD_RETURN_IF_ERROR(ctx.Write([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
    if (df) {
      NASD_ASSIGN_OR_RETURN(rec, CommitBuffered(ctx, txn, ino, *df, rec));
    }
    if (before != nullptr) *before = ToAttr(ino, rec);
    if (req.if_ctime_ns && rec.ctime_ns != *req.if_ctime_ns) {
      return Status(Code::kFailedPrecondition,
                    fmt::format("inode {} changed (ctime {}, guard {})", ino, rec.ctime_ns, *req.if_ctime_ns));
    }
    NASD_RETURN_IF_ERROR(CheckSetAttr(caller, rec, req));
    const int64_t now = ctx.now();
    bool changed = false;
    if (req.size) {
      NASD_RETURN_IF_ERROR(
          data::Resize(txn, ctx.chunks, ino, rec.size, *req.size, ctx.block_size));
      rec.size = *req.size;
      rec.mtime_ns = now;
      if (!caller.is_root()) KillSuid(rec);
      changed = true;
    }
    if (req.uid || req.gid) {
      if (req.uid) rec.uid = *req.uid;
      if (req.gid) rec.gid = *req.gid;
      if (rec.type != FileType::kDirectory) KillSuid(rec);
      changed = true;
    }
    if (req.mode) {
      rec.mode = *req.mode & 07777;
      if (!caller.is_root() && !caller.InGroup(rec.gid))
        rec.mode &= ~static_cast<uint32_t>(S_ISGID);
      changed = true;
    }
    if (req.atime.how != How::kOmit || req.mtime.how != How::kOmit) {
      ApplyTime(req.atime, now, rec.atime_ns);
      ApplyTime(req.mtime, now, rec.mtime_ns);
      changed = true;
    }
    if (changed) rec.ctime_ns = now;
    if (changed || df) NASD_RETURN_IF_ERROR(txn.PutInode(ino, rec));
    out = ToAttr(ino, rec);
    return Status::Ok();
  }));
  if (df) ForgetBuffered(ctx, ino, *df);
  return out;
}

}  // namespace nasd::vfs::ops
