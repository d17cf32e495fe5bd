// Attributes: getattr/setattr, access, statfs and extended attributes.
#include <sys/statvfs.h>
#include <sys/xattr.h>

#include <string>
#include <string_view>

#include "fuse/ops_base.h"

namespace nasd::fuse {
namespace {

void Getattr(fuse_req_t req, fuse_ino_t node, fuse_file_info*) {
  FuseFs& f = Fs(req);
  auto attr = f.fs->GetAttr(f.ToVfs(node));
  attr.ok() ? ReplyAttr(req, *attr) : ReplyStatus(req, attr.status());
}

int64_t Nanos(const timespec& t) { return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec; }

void Setattr(fuse_req_t req, fuse_ino_t node, struct stat* st, int to_set, fuse_file_info* fi) {
  if (RefuseReadOnly(req)) return;
  FuseFs& f = Fs(req);
  vfs::SetAttrRequest r;
  if (to_set & FUSE_SET_ATTR_MODE) r.mode = st->st_mode & 07777;
  if (to_set & FUSE_SET_ATTR_UID) r.uid = st->st_uid;
  if (to_set & FUSE_SET_ATTR_GID) r.gid = st->st_gid;
  if (to_set & FUSE_SET_ATTR_SIZE) {
    // off_t is signed; the kernel rejects negative sizes, vfs sizes past its limit.
    if (st->st_size < 0) return fuse_reply_err(req, EINVAL), void();
    r.size = static_cast<uint64_t>(st->st_size);
  }
  if (to_set & FUSE_SET_ATTR_ATIME_NOW) {
    r.atime = vfs::TimeSpec::Now();
  } else if (to_set & FUSE_SET_ATTR_ATIME) {
    r.atime = vfs::TimeSpec::At(Nanos(st->st_atim));
  }
  if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
    r.mtime = vfs::TimeSpec::Now();
  } else if (to_set & FUSE_SET_ATTR_MTIME) {
    r.mtime = vfs::TimeSpec::At(Nanos(st->st_mtim));
  }
  vfs::Caller caller = CallerOf(req);
  if (fi != nullptr && r.size && !r.mode && !r.uid && !r.gid &&
      r.atime.how != vfs::TimeSpec::How::kSet && r.mtime.how != vfs::TimeSpec::How::kSet) {
    // ftruncate(2) of a descriptor opened for writing: open checked the
    // permission, the mode may have changed since (as on Linux, it still
    // truncates). vfs then leaves setuid bits alone, as for root.
    caller = vfs::Caller::Root();
  }
  auto attr = f.fs->SetAttr(caller, f.ToVfs(node), r);
  attr.ok() ? ReplyAttr(req, *attr) : ReplyStatus(req, attr.status());
}

void Access(fuse_req_t req, fuse_ino_t node, int mask) {
  FuseFs& f = Fs(req);
  uint64_t ino = f.ToVfs(node);
  if (f.read_only && (mask & W_OK)) {
    // access(W_OK) on a read-only mount is EROFS for files and directories.
    return fuse_reply_err(req, EROFS), void();
  }
  ReplyStatus(req, f.fs->Access(CallerOf(req), ino, mask));
}

void Statfs(fuse_req_t req, fuse_ino_t) {
  auto stats = Fs(req).fs->StatFs();
  if (!stats.ok()) return ReplyStatus(req, stats.status());
  // Counted in 4 KiB fragments whatever the volume's block size, so that df
  // and du agree on small files.
  constexpr uint64_t kFrag = 4096;
  struct statvfs sv {};
  sv.f_bsize = kMaxIo;
  sv.f_frsize = kFrag;
  sv.f_blocks = stats->total_bytes / kFrag;
  sv.f_bfree = stats->free_bytes / kFrag;
  sv.f_bavail = sv.f_bfree;
  sv.f_files = stats->total_files;
  sv.f_ffree = stats->free_files;
  sv.f_favail = stats->free_files;
  sv.f_namemax = vfs::kMaxNameLength;
  fuse_reply_statfs(req, &sv);
}

// Namespaces vfs does not store. security.capability is asked on every write
// (the kernel's suid/capability check): answered here without a transaction.
bool Unstored(std::string_view name) {
  return name.starts_with("security.") || name.starts_with("system.");
}

void Setxattr(fuse_req_t req, fuse_ino_t node, const char* name, const char* value, size_t size,
              int flags) {
  if (RefuseReadOnly(req)) return;
  if (Unstored(name)) return fuse_reply_err(req, EOPNOTSUPP), void();
  int vfs_flags = (flags & XATTR_CREATE)    ? vfs::kXattrCreate
                  : (flags & XATTR_REPLACE) ? vfs::kXattrReplace
                                            : 0;
  if ((flags & XATTR_CREATE) && (flags & XATTR_REPLACE)) return fuse_reply_err(req, EINVAL), void();
  FuseFs& f = Fs(req);
  ReplyStatus(req, f.fs->SetXattr(CallerOf(req), f.ToVfs(node), name,
                                  std::string_view(value, size), vfs_flags));
}

// The size-probe protocol of getxattr/listxattr: size 0 asks for the length,
// a buffer too small is ERANGE.
void ReplyXattrValue(fuse_req_t req, const std::string& value, size_t size) {
  if (size == 0) return fuse_reply_xattr(req, value.size()), void();
  if (value.size() > size) return fuse_reply_err(req, ERANGE), void();
  fuse_reply_buf(req, value.data(), value.size());
}

void Getxattr(fuse_req_t req, fuse_ino_t node, const char* name, size_t size) {
  if (Unstored(name)) return fuse_reply_err(req, ENODATA), void();
  FuseFs& f = Fs(req);
  auto value = f.fs->GetXattr(CallerOf(req), f.ToVfs(node), name);
  value.ok() ? ReplyXattrValue(req, *value, size) : ReplyStatus(req, value.status());
}

void Listxattr(fuse_req_t req, fuse_ino_t node, size_t size) {
  FuseFs& f = Fs(req);
  auto names = f.fs->ListXattr(CallerOf(req), f.ToVfs(node));
  if (!names.ok()) return ReplyStatus(req, names.status());
  std::string list;
  for (const std::string& n : *names) list.append(n).push_back('\0');
  ReplyXattrValue(req, list, size);
}

void Removexattr(fuse_req_t req, fuse_ino_t node, const char* name) {
  if (RefuseReadOnly(req)) return;
  if (Unstored(name)) return fuse_reply_err(req, ENODATA), void();
  FuseFs& f = Fs(req);
  ReplyStatus(req, f.fs->RemoveXattr(CallerOf(req), f.ToVfs(node), name));
}

}  // namespace

void AddAttrOps(fuse_lowlevel_ops& ops) {
  ops.getattr = Getattr;
  ops.setattr = Setattr;
  ops.access = Access;
  ops.statfs = Statfs;
  ops.setxattr = Setxattr;
  ops.getxattr = Getxattr;
  ops.listxattr = Listxattr;
  ops.removexattr = Removexattr;
}

}  // namespace nasd::fuse
