// SnapshotViews: the read-only /.snapshots/NAME/ trees of one share, served
// through the share's Filesystem (which routes every call on a view inode,
// snapshot_ino.h, here).
//
// /.snapshots is a virtual directory (mode 0555, owned by root) in the share's
// root: always reachable by name, listed by the root's ReadDir only when
// configured (snapshots.visible). A real root entry of that name (made before
// snapshots existed) is hidden by it, in lookups and listings alike; fsck
// reports it and --repair renames it .snapshots.INODE. Its
// entries are the share's snapshots, each the root directory of the share as
// it was at the snapshot's epoch. Inside a view every read runs the ordinary
// vfs operation at that epoch (OpContext::view_epoch), with the inode numbers
// it returns mapped into the view's range; every write fails with kReadOnly
// (EROFS, HTTP 403, NFS3ERR_ROFS). Permission bits apply as they were then.
//
// Nothing is cached per snapshot, so a view never outlives its snapshot: once
// the snapshot is deleted its inode numbers are stale (kStale). Views have no
// write-back buffers; the block cache is keyed by chunk id, which names
// immutable bytes, so live writes can never show through a view.
//
// Thread-safe. Lives inside its Filesystem and uses its OpContext.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "vfs/data/block_cache.h"
#include "vfs/data/file_data.h"
#include "vfs/ops/op_context.h"
#include "vfs/snapshot/snapshot_ino.h"
#include "vfs/types.h"
#include "vfs/write_back.h"

namespace nasd::vfs {

class SnapshotViews {
 public:
  // live: the share's live context; root: its root directory.
  SnapshotViews(OpContext& live, uint64_t root);

  // Whether Lookup(dir, name) must be answered here.
  bool Owns(uint64_t dir, std::string_view name) const {
    return IsViewIno(dir) || (dir == root_ && name == kSnapshotsDirName);
  }
  // Guards of the Filesystem's mutating calls. CheckWritable: kReadOnly for a
  // view inode. CheckNewName: as CheckWritable for dir, and kAlreadyExists for
  // creating /.snapshots. CheckOldName: kReadOnly for removing or renaming
  // /.snapshots (or anything in a view).
  Status CheckWritable(uint64_t ino) const;
  Status CheckNewName(uint64_t dir, std::string_view name) const;
  Status CheckOldName(uint64_t dir, std::string_view name) const;

  // Fixes a page of the root's listing that started after cookie: a real
  // entry named .snapshots is dropped or, when list, becomes /.snapshots;
  // else, when list, /.snapshots goes in at its cookie's place, keeping the
  // page within max_entries (the last entry then moves to the next page,
  // unless it shares its cookie with the one before). The page may end up
  // empty though not at the end (it held only the dropped entry).
  void AdjustRootPage(DirPage& page, uint64_t cookie, size_t max_entries, bool list) const;

  // As the Filesystem calls of the same names, for view inodes.
  Result<Attr> Lookup(const Caller& caller, uint64_t parent, std::string_view name);
  Result<Attr> GetAttr(uint64_t ino);
  Status Access(const Caller& caller, uint64_t ino, int mask);
  Result<std::string> ReadLink(uint64_t ino);
  Result<DirPage> ReadDir(const Caller& caller, uint64_t ino, uint64_t cookie, size_t max_entries);
  Result<Attr> Open(const Caller& caller, uint64_t ino, OpenFlags flags);
  Result<std::string> Read(uint64_t ino, uint64_t offset, uint64_t length);
  Result<data::ReadPlan> MapRead(uint64_t ino, uint64_t offset, uint64_t length);
  Result<std::string> GetXattr(const Caller& caller, uint64_t ino, std::string_view name);
  Result<std::vector<std::string>> ListXattr(const Caller& caller, uint64_t ino);

 private:
  // The context reading the snapshot view inode ino belongs to; kStale
  // unless a snapshot froze its epoch.
  Result<OpContext> ViewOf(uint64_t ino);
  // The attributes of /.snapshots.
  Result<Attr> DirAttr();
  Attr ToView(uint64_t epoch, Attr attr) const;

  OpContext& live_;
  const uint64_t root_;
  // Views buffer nothing; these exist because OpContext refers to them.
  WriteBack no_writes_;
  data::SequentialTracker sequential_;
};

}  // namespace nasd::vfs
