// Names: lookup and forget, creating, linking, renaming and removing entries.
#include <linux/fs.h>

#include <string_view>

#include "fuse/ops_base.h"

namespace nasd::fuse {
namespace {

void Lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  FuseFs& f = Fs(req);
  // The kernel asks for "." of any node (file handles, FUSE_CAP_EXPORT_SUPPORT):
  // the node itself, whatever its type.
  if (std::string_view(name) == ".") {
    auto attr = f.fs->GetAttr(f.ToVfs(parent));
    return attr.ok() ? ReplyEntry(req, *attr) : ReplyStatus(req, attr.status());
  }
  auto attr = f.fs->Lookup(CallerOf(req), f.ToVfs(parent), name);
  if (attr.ok()) return ReplyEntry(req, *attr);
  if (attr.status().code() == Code::kNotFound) {
    // A negative entry, cached as briefly as positive ones.
    fuse_entry_param e{};
    e.entry_timeout = kEntryTimeout;
    fuse_reply_entry(req, &e);
    return;
  }
  ReplyStatus(req, attr.status());
}

void Forget(fuse_req_t req, fuse_ino_t node, uint64_t nlookup) {
  FuseFs& f = Fs(req);
  f.Forget(f.ToVfs(node), nlookup);
  fuse_reply_none(req);
}

void ForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  FuseFs& f = Fs(req);
  for (size_t i = 0; i < count; ++i) f.Forget(f.ToVfs(forgets[i].ino), forgets[i].nlookup);
  fuse_reply_none(req);
}

void Mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t) {
  if (RefuseReadOnly(req)) return;
  // Only regular files: vfs has no FIFOs, sockets or devices.
  if (!S_ISREG(mode)) return fuse_reply_err(req, EPERM), void();
  FuseFs& f = Fs(req);
  auto made = f.fs->Create(CallerOf(req), f.ToVfs(parent), name, mode & 07777, true);
  made.ok() ? ReplyEntry(req, made->attr) : ReplyStatus(req, made.status());
}

void Mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  if (RefuseReadOnly(req)) return;
  FuseFs& f = Fs(req);
  auto made = f.fs->Mkdir(CallerOf(req), f.ToVfs(parent), name, mode & 07777);
  made.ok() ? ReplyEntry(req, *made) : ReplyStatus(req, made.status());
}

void Symlink(fuse_req_t req, const char* target, fuse_ino_t parent, const char* name) {
  if (RefuseReadOnly(req)) return;
  FuseFs& f = Fs(req);
  auto made = f.fs->Symlink(CallerOf(req), f.ToVfs(parent), name, target);
  made.ok() ? ReplyEntry(req, *made) : ReplyStatus(req, made.status());
}

void Readlink(fuse_req_t req, fuse_ino_t node) {
  FuseFs& f = Fs(req);
  auto target = f.fs->ReadLink(f.ToVfs(node));
  target.ok() ? (void)fuse_reply_readlink(req, target->c_str()) : ReplyStatus(req, target.status());
}

void Link(fuse_req_t req, fuse_ino_t node, fuse_ino_t new_parent, const char* new_name) {
  if (RefuseReadOnly(req)) return;
  FuseFs& f = Fs(req);
  auto linked = f.fs->Link(CallerOf(req), f.ToVfs(node), f.ToVfs(new_parent), new_name);
  linked.ok() ? ReplyEntry(req, *linked) : ReplyStatus(req, linked.status());
}

void Unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  if (RefuseReadOnly(req)) return;
  FuseFs& f = Fs(req);
  ReplyStatus(req, f.fs->Unlink(CallerOf(req), f.ToVfs(parent), name));
}

void Rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  if (RefuseReadOnly(req)) return;
  FuseFs& f = Fs(req);
  ReplyStatus(req, f.fs->Rmdir(CallerOf(req), f.ToVfs(parent), name));
}

void Rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t new_parent,
            const char* new_name, unsigned int flags) {
  if (RefuseReadOnly(req)) return;
  // RENAME_EXCHANGE and RENAME_WHITEOUT are not supported by vfs.
  if ((flags & ~RENAME_NOREPLACE) != 0) return fuse_reply_err(req, EINVAL), void();
  FuseFs& f = Fs(req);
  unsigned vfs_flags = (flags & RENAME_NOREPLACE) ? vfs::kRenameNoReplace : 0;
  ReplyStatus(req, f.fs->Rename(CallerOf(req), f.ToVfs(parent), name, f.ToVfs(new_parent),
                                new_name, vfs_flags));
}

}  // namespace

void AddEntryOps(fuse_lowlevel_ops& ops) {
  ops.lookup = Lookup;
  ops.forget = Forget;
  ops.forget_multi = ForgetMulti;
  ops.mknod = Mknod;
  ops.mkdir = Mkdir;
  ops.symlink = Symlink;
  ops.readlink = Readlink;
  ops.link = Link;
  ops.unlink = Unlink;
  ops.rmdir = Rmdir;
  ops.rename = Rename;
}

}  // namespace nasd::fuse
