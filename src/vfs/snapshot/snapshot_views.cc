#include "vfs/snapshot/snapshot_views.h"

#include <algorithm>

#include <fmt/format.h>

#include "meta/keys.h"
#include "meta/snapshot_store.h"
#include "vfs/ops/ops.h"

namespace nasd::vfs {
namespace {

constexpr uint64_t kDotCookie = 1;
constexpr uint64_t kDotDotCookie = 2;

Status ReadOnly(std::string_view what) {
  return Status(Code::kReadOnly, fmt::format("{}: snapshots are read-only", what));
}

Status StaleView(uint64_t ino) {
  return Status(Code::kStale, fmt::format("inode {:#x} belongs to no snapshot", ino));
}

}  // namespace

SnapshotViews::SnapshotViews(OpContext& live, uint64_t root)
    : live_(live), root_(root), no_writes_(live.block_size, std::make_shared<DirtyBudget>(0)) {}

Status SnapshotViews::CheckWritable(uint64_t ino) const {
  return IsViewIno(ino) ? ReadOnly(fmt::format("inode {:#x}", ino)) : Status::Ok();
}

Status SnapshotViews::CheckNewName(uint64_t dir, std::string_view name) const {
  NASD_RETURN_IF_ERROR(CheckWritable(dir));
  if (dir == root_ && name == kSnapshotsDirName) {
    return AlreadyExists(fmt::format("'{}' is reserved for snapshots", kSnapshotsDirName));
  }
  return Status::Ok();
}

Status SnapshotViews::CheckOldName(uint64_t dir, std::string_view name) const {
  NASD_RETURN_IF_ERROR(CheckWritable(dir));
  if (dir == root_ && name == kSnapshotsDirName) return ReadOnly(kSnapshotsDirName);
  return Status::Ok();
}

void SnapshotViews::AdjustRootPage(DirPage& page, uint64_t cookie, size_t max_entries,
                                   bool list) const {
  std::vector<DirEntry>& e = page.entries;
  const uint64_t at = meta::keys::NameHash(kSnapshotsDirName);
  auto real = std::find_if(e.begin(), e.end(), [](const DirEntry& d) { return d.name == kSnapshotsDirName; });
  if (real != e.end()) {
    if (!list) {
      e.erase(real);
      return;
    }
    *real = DirEntry{std::string(kSnapshotsDirName), kSnapshotsDirIno, FileType::kDirectory, at};
    return;
  }
  if (!list || at <= cookie) return;
  if (!page.eof && (e.empty() || e.back().cookie < at)) return;  // a later page has its place
  auto pos = std::upper_bound(e.begin(), e.end(), at,
                              [](uint64_t c, const DirEntry& d) { return c < d.cookie; });
  e.insert(pos, DirEntry{std::string(kSnapshotsDirName), kSnapshotsDirIno, FileType::kDirectory, at});
  if (e.size() > std::max<size_t>(max_entries, 1) && e.size() >= 2 &&
      e[e.size() - 1].cookie != e[e.size() - 2].cookie) {
    e.pop_back();
    page.eof = false;
  }
}

Result<OpContext> SnapshotViews::ViewOf(uint64_t ino) {
  const uint64_t epoch = ViewEpoch(ino);
  if (epoch == 0) return StaleView(ino);
  meta::SnapshotStore store(live_.kv, live_.share_id);
  NASD_ASSIGN_OR_RETURN(auto snap, store.FindByEpoch(epoch));
  if (!snap) return Status(Code::kStale, fmt::format("no snapshot froze epoch {}", epoch));
  return OpContext{live_.kv,         live_.share_id, live_.inodes,           live_.now,
                   live_.retry,      live_.chunks,   live_.block_size,       live_.cache,
                   no_writes_,       live_.readahead_blocks, sequential_,    epoch};
}

Attr SnapshotViews::ToView(uint64_t epoch, Attr attr) const {
  attr.ino = ViewIno(epoch, attr.ino);
  return attr;
}

Result<Attr> SnapshotViews::DirAttr() {
  meta::SnapshotStore store(live_.kv, live_.share_id);
  NASD_ASSIGN_OR_RETURN(std::vector<meta::SnapshotInfo> snaps, store.List());
  Attr a;
  a.ino = kSnapshotsDirIno;
  a.generation = 1;
  a.type = FileType::kDirectory;
  a.mode = 0555;
  a.nlink = 2 + static_cast<uint32_t>(snaps.size());
  int64_t t = 0;
  for (const meta::SnapshotInfo& s : snaps) t = std::max(t, s.created_ns);
  a.atime_ns = a.mtime_ns = a.ctime_ns = a.crtime_ns = t;
  return a;
}

Result<Attr> SnapshotViews::Lookup(const Caller& caller, uint64_t parent, std::string_view name) {
  if (!IsViewIno(parent)) {  // /.snapshots itself: the root must be searchable
    NASD_RETURN_IF_ERROR(ops::Access(live_, caller, root_, kAccessExec));
    return DirAttr();
  }
  if (parent == kSnapshotsDirIno) {
    if (name == ".") return DirAttr();
    if (name == "..") return ops::GetAttr(live_, root_);
    NASD_RETURN_IF_ERROR(CheckName(name));
    meta::SnapshotStore store(live_.kv, live_.share_id);
    Result<meta::SnapshotInfo> snap = store.Get(name);
    if (!snap.ok()) return snap.status();
    return GetAttr(ViewIno(snap->epoch, root_));
  }
  NASD_ASSIGN_OR_RETURN(OpContext ctx, ViewOf(parent));
  if (ViewRealIno(parent) == root_ && name == "..") return DirAttr();
  NASD_ASSIGN_OR_RETURN(Attr a, ops::Lookup(ctx, caller, ViewRealIno(parent), name));
  return ToView(ctx.view_epoch, a);
}

Result<Attr> SnapshotViews::GetAttr(uint64_t ino) {
  if (ino == kSnapshotsDirIno) return DirAttr();
  NASD_ASSIGN_OR_RETURN(OpContext ctx, ViewOf(ino));
  NASD_ASSIGN_OR_RETURN(Attr a, ops::GetAttr(ctx, ViewRealIno(ino)));
  return ToView(ctx.view_epoch, a);
}

Status SnapshotViews::Access(const Caller& caller, uint64_t ino, int mask) {
  if (mask & kAccessWrite) return ReadOnly("access for writing");
  if (ino == kSnapshotsDirIno) return Status::Ok();  // r-x for everyone
  NASD_ASSIGN_OR_RETURN(OpContext ctx, ViewOf(ino));
  return ops::Access(ctx, caller, ViewRealIno(ino), mask);
}

Result<std::string> SnapshotViews::ReadLink(uint64_t ino) {
  if (ino == kSnapshotsDirIno) return InvalidArgument("/.snapshots is not a symlink");
  NASD_ASSIGN_OR_RETURN(OpContext ctx, ViewOf(ino));
  return ops::ReadLink(ctx, ViewRealIno(ino));
}

Result<DirPage> SnapshotViews::ReadDir(const Caller& caller, uint64_t ino, uint64_t cookie,
                                       size_t max_entries) {
  if (max_entries == 0) return InvalidArgument("readdir needs room for at least one entry");
  if (ino != kSnapshotsDirIno) {
    NASD_ASSIGN_OR_RETURN(OpContext ctx, ViewOf(ino));
    NASD_ASSIGN_OR_RETURN(DirPage page, ops::ReadDir(ctx, caller, ViewRealIno(ino), cookie, max_entries));
    for (DirEntry& e : page.entries) {
      const bool up_from_root = ViewRealIno(ino) == root_ && e.name == "..";
      e.ino = up_from_root ? kSnapshotsDirIno : ViewIno(ctx.view_epoch, e.ino);
    }
    return page;
  }
  // The snapshots, in the order of their cookies (as every directory lists).
  meta::SnapshotStore store(live_.kv, live_.share_id);
  NASD_ASSIGN_OR_RETURN(std::vector<meta::SnapshotInfo> snaps, store.List());
  std::vector<DirEntry> all;
  for (const meta::SnapshotInfo& s : snaps) {
    all.push_back(DirEntry{s.name, ViewIno(s.epoch, root_), FileType::kDirectory,
                           meta::keys::NameHash(s.name)});
  }
  std::sort(all.begin(), all.end(), [](const DirEntry& a, const DirEntry& b) {
    return a.cookie != b.cookie ? a.cookie < b.cookie : a.name < b.name;
  });
  DirPage page;
  if (cookie < kDotCookie) page.entries.push_back({".", kSnapshotsDirIno, FileType::kDirectory, kDotCookie});
  if (cookie < kDotDotCookie && page.entries.size() < max_entries)
    page.entries.push_back({"..", root_, FileType::kDirectory, kDotDotCookie});
  auto it = std::upper_bound(all.begin(), all.end(), cookie,
                             [](uint64_t c, const DirEntry& e) { return c < e.cookie; });
  // A page never ends between names sharing a cookie.
  while (it != all.end() && (page.entries.size() < max_entries ||
                             (!page.entries.empty() && page.entries.back().cookie == it->cookie))) {
    page.entries.push_back(*it++);
  }
  page.eof = it == all.end();
  return page;
}

Result<Attr> SnapshotViews::Open(const Caller& caller, uint64_t ino, OpenFlags flags) {
  if (flags.write || flags.truncate) return ReadOnly("open for writing");
  if (ino == kSnapshotsDirIno) return DirAttr();
  NASD_ASSIGN_OR_RETURN(OpContext ctx, ViewOf(ino));
  NASD_ASSIGN_OR_RETURN(Attr a, ops::Open(ctx, caller, ViewRealIno(ino), flags));
  return ToView(ctx.view_epoch, a);
}

Result<std::string> SnapshotViews::Read(uint64_t ino, uint64_t offset, uint64_t length) {
  if (ino == kSnapshotsDirIno) return Status(Code::kIsDirectory, "/.snapshots is a directory");
  NASD_ASSIGN_OR_RETURN(OpContext ctx, ViewOf(ino));
  return ops::Read(ctx, ViewRealIno(ino), offset, length);
}

Result<data::ReadPlan> SnapshotViews::MapRead(uint64_t ino, uint64_t offset, uint64_t length) {
  if (ino == kSnapshotsDirIno) return Status(Code::kIsDirectory, "/.snapshots is a directory");
  NASD_ASSIGN_OR_RETURN(OpContext ctx, ViewOf(ino));
  return ops::MapRead(ctx, ViewRealIno(ino), offset, length);
}

Result<std::string> SnapshotViews::GetXattr(const Caller& caller, uint64_t ino,
                                            std::string_view name) {
  if (ino == kSnapshotsDirIno) return Status(Code::kNoAttribute, "/.snapshots has no attributes");
  NASD_ASSIGN_OR_RETURN(OpContext ctx, ViewOf(ino));
  return ops::GetXattr(ctx, caller, ViewRealIno(ino), name);
}

Result<std::vector<std::string>> SnapshotViews::ListXattr(const Caller& caller, uint64_t ino) {
  if (ino == kSnapshotsDirIno) return std::vector<std::string>();
  NASD_ASSIGN_OR_RETURN(OpContext ctx, ViewOf(ino));
  return ops::ListXattr(ctx, caller, ViewRealIno(ino));
}

}  // namespace nasd::vfs
