// File data: open/create, read, write and the durability points (flush on
// every close, fsync).
//
// Every open file is held with vfs::Filesystem::Retain until its release, so
// a file unlinked (or renamed over) while open keeps its data for the open
// descriptors, as POSIX says, and is freed at the last close
// (vfs/open_files.h). tmpfile(3) on the mount works.
#include <fcntl.h>

#include <string_view>

#include "fuse/ops_base.h"

namespace nasd::fuse {
namespace {

vfs::OpenFlags OpenFlagsOf(int flags) {
  int acc = flags & O_ACCMODE;
  return vfs::OpenFlags{.read = acc == O_RDONLY || acc == O_RDWR,
                        .write = acc == O_WRONLY || acc == O_RDWR,
                        .truncate = (flags & O_TRUNC) != 0};
}

bool Writes(int flags) { return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0; }

// Page-cache and close policy of an opened file. keep_cache stays off: the
// kernel drops the file's cached pages on every open, so an open sees what
// WebDAV or NFS wrote meanwhile (close-to-open consistency). A descriptor
// that cannot write has nothing to commit at close: the kernel sends no
// FLUSH for it (smbd closes every file it serves; one round trip fewer).
// direct_io: MountOptions::direct_io.
void SetOpenPolicy(const FuseFs& f, fuse_file_info* fi) {
  fi->keep_cache = 0;
  fi->direct_io = f.direct_io;
  fi->noflush = !Writes(fi->flags);
}

void Open(fuse_req_t req, fuse_ino_t node, fuse_file_info* fi) {
  if (Writes(fi->flags) && RefuseReadOnly(req)) return;
  FuseFs& f = Fs(req);
  const uint64_t ino = f.ToVfs(node);
  // Held before the permission check reads the inode, so an unlink racing
  // the open cannot free it in between.
  f.fs->Retain(ino);
  auto attr = f.fs->OpenFile(CallerOf(req), ino, OpenFlagsOf(fi->flags));
  if (!attr.ok()) {
    (void)f.fs->Release(ino);
    return ReplyStatus(req, attr.status());
  }
  SetOpenPolicy(f, fi);
  // An interrupted open gets no release from the kernel.
  if (fuse_reply_open(req, fi) != 0) (void)f.fs->Release(ino);
}

void Create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  if (RefuseReadOnly(req)) return;
  if (!S_ISREG(mode)) return fuse_reply_err(req, EPERM), void();
  FuseFs& f = Fs(req);
  vfs::Caller caller = CallerOf(req);
  auto made = f.fs->Create(caller, f.ToVfs(parent), name, mode & 07777, (fi->flags & O_EXCL) != 0);
  if (!made.ok()) return ReplyStatus(req, made.status());
  vfs::Attr attr = made->attr;
  f.fs->Retain(attr.ino);
  if (!made->created) {
    // An existing file (created by someone else meanwhile): open(2) checks
    // its permissions and O_TRUNC applies.
    auto opened = f.fs->OpenFile(caller, attr.ino, OpenFlagsOf(fi->flags));
    if (!opened.ok()) {
      (void)f.fs->Release(attr.ino);
      return ReplyStatus(req, opened.status());
    }
    attr = *opened;
  }
  SetOpenPolicy(f, fi);
  fuse_entry_param e = EntryOf(f, attr);
  f.Remember(attr.ino);
  if (fuse_reply_create(req, &e, fi) != 0) {
    f.Forget(attr.ino, 1);
    (void)f.fs->Release(attr.ino);
  }
}

void Read(fuse_req_t req, fuse_ino_t node, size_t size, off_t off, fuse_file_info*) {
  if (off < 0) return fuse_reply_err(req, EINVAL), void();
  FuseFs& f = Fs(req);
  // The kernel never asks for more than max_read; anything larger is capped
  // rather than allocated.
  if (size > kMaxIo) size = kMaxIo;
  auto data = f.fs->ReadShared(f.ToVfs(node), static_cast<uint64_t>(off), size);
  if (!data.ok()) return ReplyStatus(req, data.status());
  // Written to /dev/fuse from the block cache's memory, not copied.
  std::vector<iovec> iov;
  iov.reserve(data->parts.size());
  for (const auto& part : data->parts) {
    iov.push_back({const_cast<char*>(part.bytes.data()), part.bytes.size()});
  }
  fuse_reply_iov(req, iov.data(), static_cast<int>(iov.size()));
}

void Write(fuse_req_t req, fuse_ino_t node, const char* buf, size_t size, off_t off,
           fuse_file_info*) {
  if (RefuseReadOnly(req)) return;
  if (off < 0) return fuse_reply_err(req, EINVAL), void();
  // Past vfs::kMaxFileSize vfs answers kTooLarge (EFBIG) before allocating.
  FuseFs& f = Fs(req);
  auto attr = f.fs->Write(CallerOf(req, /*with_groups=*/false), f.ToVfs(node),
                          static_cast<uint64_t>(off), std::string_view(buf, size));
  attr.ok() ? (void)fuse_reply_write(req, size) : ReplyStatus(req, attr.status());
}

// Commits the file's buffered writes. A file deleted meanwhile (kStale) has
// nobody left to read its bytes: not an error for close or fsync.
void Commit(fuse_req_t req, fuse_ino_t node) {
  FuseFs& f = Fs(req);
  Status st = f.fs->Fsync(f.ToVfs(node));
  if (st.code() == Code::kStale) st = Status::Ok();
  ReplyStatus(req, st);
}

void Flush(fuse_req_t req, fuse_ino_t node, fuse_file_info*) { Commit(req, node); }

void Fsync(fuse_req_t req, fuse_ino_t node, int, fuse_file_info*) { Commit(req, node); }

// The last release of a file removed while open frees it; a failure to do so
// is logged by the vfs and retried at the next start, and close(2) has
// nothing to report it to.
void Release(fuse_req_t req, fuse_ino_t node, fuse_file_info*) {
  FuseFs& f = Fs(req);
  (void)f.fs->Release(f.ToVfs(node));
  fuse_reply_err(req, 0);
}

}  // namespace

void AddIoOps(fuse_lowlevel_ops& ops) {
  ops.open = Open;
  ops.create = Create;
  ops.read = Read;
  ops.write = Write;
  ops.flush = Flush;
  ops.fsync = Fsync;
  ops.release = Release;
}

}  // namespace nasd::fuse
