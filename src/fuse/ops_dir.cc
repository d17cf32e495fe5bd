// Directories: opendir and readdir. The offset the kernel keeps
// between calls is the vfs readdir cookie of the last entry it received, so
// listings need no state here and survive concurrent changes and restarts.
#include <algorithm>
#include <string>

#include "fuse/ops_base.h"

namespace nasd::fuse {
namespace {

void Opendir(fuse_req_t req, fuse_ino_t node, fuse_file_info* fi) {
  FuseFs& f = Fs(req);
  Status st = f.fs->Access(CallerOf(req), f.ToVfs(node), vfs::kAccessRead);
  if (!st.ok()) return ReplyStatus(req, st);
  fuse_reply_open(req, fi);
}

void Releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info*) { fuse_reply_err(req, 0); }

// Fills one reply buffer of at most size bytes from the directory after
// cookie off: names, inode numbers and types (no attributes: the mount asks
// for no READDIRPLUS, fuse_mount.cc). Entries sharing a cookie (a name-hash
// collision) go into one reply or none, since the kernel resumes after the
// last cookie it saw.
void Readdir(fuse_req_t req, fuse_ino_t node, size_t size, off_t off, fuse_file_info*) {
  FuseFs& f = Fs(req);
  // A reply needs at least 24 bytes an entry: ask vfs for about as many.
  size_t max_entries = std::max<size_t>(1, size / 32);
  auto page = f.fs->ReadDir(CallerOf(req), f.ToVfs(node), static_cast<uint64_t>(off), max_entries);
  if (!page.ok()) return ReplyStatus(req, page.status());

  std::string buf(size, '\0');
  size_t used = 0;
  size_t group_start = 0;  // where entries with the current cookie begin
  uint64_t group_cookie = 0;
  for (const vfs::DirEntry& e : page->entries) {
    if (e.cookie != group_cookie) {
      group_start = used;
      group_cookie = e.cookie;
    }
    struct stat st {};
    st.st_ino = e.ino;
    st.st_mode = vfs::Attr{.type = e.type}.st_mode() & S_IFMT;
    size_t rem = size - used;
    size_t need = fuse_add_direntry(req, buf.data() + used, rem, e.name.c_str(), &st,
                                    static_cast<off_t>(e.cookie));
    if (need > rem) {
      // Does not fit: end the reply before this entry's cookie group, unless
      // the group is all the reply holds (then the reply is cut inside it;
      // the kernel's 4 KiB+ buffers fit any realistic collision group).
      if (group_start > 0) used = group_start;
      break;
    }
    used += need;
  }
  fuse_reply_buf(req, buf.data(), used);
}

}  // namespace

void AddDirOps(fuse_lowlevel_ops& ops) {
  ops.opendir = Opendir;
  ops.releasedir = Releasedir;
  ops.readdir = Readdir;
}

}  // namespace nasd::fuse
