// Directories: opendir, readdir and readdirplus. The offset the kernel keeps
// between calls is the vfs readdir cookie of the last entry it received, so
// listings need no state here and survive concurrent changes and restarts.
#include <algorithm>
#include <string>
#include <vector>

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

bool IsDotOrDotDot(const std::string& name) { return name == "." || name == ".."; }

// Fills one reply buffer of at most size bytes from the directory after
// cookie off. Entries sharing a cookie (a name-hash collision) go into one
// reply or none, since the kernel resumes after the last cookie it saw.
void List(fuse_req_t req, fuse_ino_t node, size_t size, off_t off, bool plus) {
  FuseFs& f = Fs(req);
  // A reply needs at least 24 bytes an entry: ask vfs for about as many.
  size_t max_entries = std::max<size_t>(1, size / 32);
  auto page = f.fs->ReadDir(CallerOf(req), f.ToVfs(node), static_cast<uint64_t>(off), max_entries);
  if (!page.ok()) return ReplyStatus(req, page.status());

  std::string buf(size, '\0');
  size_t used = 0;
  size_t group_start = 0;        // where entries with the current cookie begin
  std::vector<uint64_t> counted;  // inodes whose lookup count this reply raises
  size_t counted_at_group = 0;
  uint64_t group_cookie = 0;
  for (const vfs::DirEntry& e : page->entries) {
    if (e.cookie != group_cookie) {
      group_start = used;
      counted_at_group = counted.size();
      group_cookie = e.cookie;
    }
    size_t rem = size - used;
    size_t need;
    if (!plus) {
      struct stat st {};
      st.st_ino = e.ino;
      st.st_mode = vfs::Attr{.type = e.type}.st_mode() & S_IFMT;
      need = fuse_add_direntry(req, buf.data() + used, rem, e.name.c_str(), &st,
                               static_cast<off_t>(e.cookie));
    } else {
      fuse_entry_param ep{};
      if (IsDotOrDotDot(e.name)) {
        // Node id 0: the kernel neither caches these nor counts a lookup.
        ep.attr.st_ino = e.ino;
        ep.attr.st_mode = vfs::Attr{.type = e.type}.st_mode() & S_IFMT;
      } else {
        auto attr = f.fs->GetAttr(e.ino);
        if (!attr.ok()) continue;  // removed since the page was read
        ep = EntryOf(f, *attr);
      }
      need = fuse_add_direntry_plus(req, buf.data() + used, rem, e.name.c_str(), &ep,
                                    static_cast<off_t>(e.cookie));
      if (need <= rem && ep.ino != 0) counted.push_back(e.ino);
    }
    if (need > rem) {
      // Does not fit: end the reply before this entry's cookie group, unless
      // the group is all the reply holds (then the reply is cut inside it;
      // the kernel's 4 KiB+ buffers fit any realistic collision group).
      if (group_start > 0) {
        used = group_start;
        counted.resize(counted_at_group);
      }
      break;
    }
    used += need;
  }
  for (uint64_t ino : counted) f.Remember(ino);
  fuse_reply_buf(req, buf.data(), used);
}

void Readdir(fuse_req_t req, fuse_ino_t node, size_t size, off_t off, fuse_file_info*) {
  List(req, node, size, off, false);
}

void Readdirplus(fuse_req_t req, fuse_ino_t node, size_t size, off_t off, fuse_file_info*) {
  List(req, node, size, off, true);
}

}  // namespace

void AddDirOps(fuse_lowlevel_ops& ops) {
  ops.opendir = Opendir;
  ops.releasedir = Releasedir;
  ops.readdir = Readdir;
  ops.readdirplus = Readdirplus;
}

}  // namespace nasd::fuse
