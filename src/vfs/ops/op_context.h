// The shared base of every vfs operation (one file per operation in this
// folder): the share they act on, transaction retry, and the POSIX helpers
// (inode loading, name checks, permission checks, link counting) that the
// operations would otherwise repeat.
//
// Every operation is ONE KV transaction: Write() (retried on kConflict) or
// Read() (one consistent snapshot, nothing to commit). Operations that add or remove entries of a
// directory read its inode record (so a concurrent rmdir, rename or chmod of it conflicts) and write
// only its change stamp (ShareTxn::TouchDir): creates and removals in one directory do not conflict
// with each other, while emptiness checks read the stamp and conflict with them (kv_engine.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "common/status.h"
#include "kv/kv_engine.h"
#include "kv/retry.h"
#include "chunk/chunk_store.h"
#include "meta/inode_allocator.h"
#include "meta/records.h"
#include "meta/share_txn.h"
#include "vfs/open_files.h"
#include "vfs/types.h"
#include "vfs/write_back.h"

namespace nasd::vfs {

namespace data {
class BlockCache;
class SequentialTracker;
}
class PathCache;

using meta::InodeRecord;
using meta::ShareTxn;

struct OpContext {
  kv::KvEngine& kv;
  uint64_t share_id;
  meta::InodeAllocator& inodes;
  std::function<int64_t()> now;  // Unix time in nanoseconds
  kv::RetryPolicy retry;
  // The data path (data/): chunks, block size, read cache, write-back buffers.
  chunk::ChunkStore& chunks;
  uint64_t block_size;
  data::BlockCache& cache;
  WriteBack& writeback;
  size_t readahead_blocks;
  data::SequentialTracker& sequential;
  // 0: the live view. Otherwise the epoch of a snapshot: Read() sees the
  // share as it was then and Write() fails with kReadOnly (snapshot/).
  uint64_t view_epoch = 0;
  // Handles open on the live view; null where nothing is opened (views).
  OpenFiles* open_files = nullptr;
  // Recent path walks of the live view (LookupPath); null: none kept.
  PathCache* paths = nullptr;

  // Runs body on the live view in one durable transaction.
  Status Write(const std::function<Status(ShareTxn&)>& body);
  // Runs body once on a consistent snapshot of the view (live or
  // view_epoch); body must not write. Never conflicts (the transaction is
  // not committed).
  Status Read(const std::function<Status(ShareTxn&)>& body);
};

// The inode record; kStale when the inode does not exist (any more).
Result<InodeRecord> LoadInode(ShareTxn& txn, uint64_t ino);
// As LoadInode, and kNotDirectory unless it is a directory. Its times are
// the record's own, without the change stamp of the last entry added or
// removed (one read less): callers check access, and those that write the
// record set its times.
Result<InodeRecord> LoadDir(ShareTxn& txn, uint64_t ino);
Attr ToAttr(uint64_t ino, const InodeRecord& rec);
// The part of a record that access checks and a new inode's defaults read
// (type, mode, uid, gid), from attributes the caller holds.
InodeRecord AccessRecord(const Attr& attr);

bool IsDots(std::string_view name);
// kInvalidArgument for an empty name or one holding '/' or NUL,
// kNameTooLong above kMaxNameLength bytes.
Status CheckName(std::string_view name);

// Permission bits check (mask of kAccessRead/Write/Exec) with root bypass:
// root may do anything except execute a non-directory without any x bit.
// kPermissionDenied (EACCES) when refused.
Status CheckAccess(const Caller& caller, const InodeRecord& rec, int mask);
bool OwnsOrRoot(const Caller& caller, const InodeRecord& rec);
// Sticky directories: only root, the entry's owner or the directory's owner
// may remove or replace an entry. kNotPermitted (EPERM) otherwise.
Status CheckSticky(const Caller& caller, const InodeRecord& dir, const InodeRecord& victim);

// An entry about to be removed from its directory (unlink, rmdir).
struct Removal {
  InodeRecord dir;     // the parent, to be touched and written back
  uint64_t ino = 0;    // the entry's inode
  InodeRecord victim;  // its record (read, so it guards the victim too)
};
// Loads parent and the entry name in it with the checks every removal makes,
// in Linux's order: parent is a directory (ENOTDIR), searchable (EACCES),
// the entry exists (ENOENT), parent writable (EACCES), sticky rule (EPERM).
Result<Removal> FindRemoval(ShareTxn& txn, const Caller& caller, uint64_t parent, std::string_view name);

// A new inode's record, with ownership and mode as Linux's inode_init_owner
// sets them in directory dir (setgid directories pass their group on).
// size: a symlink's target length.
InodeRecord NewInodeRecord(const Caller& caller, const InodeRecord& dir, FileType type,
                           uint32_t mode, uint64_t size, int64_t now);

// Records an entry change in a directory record being rewritten anyway (its
// link count changed): mtime = ctime = now. Otherwise use ShareTxn::TouchDir.
void TouchDir(InodeRecord& dir, int64_t now);
// Drops one link of ino (ctime = now); the last link erases the inode and
// everything it owns, unless it is a regular file with open handles: then it
// becomes an orphan (nlink 0, open_files.h) until its last release.
Status DropLink(OpContext& ctx, ShareTxn& txn, uint64_t ino, InodeRecord& rec, int64_t now);
// Erases an orphan whose handles are all closed: the inode if its nlink is
// still 0, and its orphan mark. Nothing when it is already gone.
Status EraseOrphanInode(OpContext& ctx, uint64_t ino);
// Clears setuid, and setgid when group-exec is set (what a write, truncate
// or chown does to a regular file).
void KillSuid(InodeRecord& rec);

}  // namespace nasd::vfs
