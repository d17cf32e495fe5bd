// ShareTxn: one KV transaction's typed view of one share's filesystem records
// at one epoch. It knows the key schema and the record encodings; it knows no
// POSIX rule (that is vfs/). Reads go through the versioned path
// (versioned.h); writes go to the live epoch and fail with kReadOnly on a
// view of an older epoch.
//
// Open() Get()s the share's filesystem record, so taking a snapshot (which
// rewrites it) conflicts with every transaction in flight.
// Not thread-safe; lives no longer than its kv::Transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kv/kv_engine.h"
#include "meta/records.h"

namespace nasd::meta {

struct NamedEntry {
  std::string name;
  DirEntryRecord entry;
  uint64_t cookie = 0;  // keys::NameHash(name)
};

struct EntryPage {
  std::vector<NamedEntry> entries;
  bool more = false;  // entries remain after the last one
};

class ShareTxn {
 public:
  // The live view. kNotFound when the share has no filesystem record.
  static Result<ShareTxn> Open(kv::Transaction& txn, uint64_t share_id);
  // A read-only view at epoch (<= the live epoch).
  static Result<ShareTxn> OpenAt(kv::Transaction& txn, uint64_t share_id, uint64_t epoch);

  uint64_t share_id() const { return share_id_; }
  uint64_t epoch() const { return epoch_; }
  uint64_t root() const { return fs_.root; }
  bool live() const { return epoch_ == fs_.epoch; }
  kv::Transaction& kv() { return txn_; }

  // nullopt when absent (never created, deleted, or not visible at epoch).
  // A directory's mtime/ctime include its change stamp (records.h).
  // dir_times = false skips a directory's change stamp (one range read): its
  // mtime/ctime may then be older than the truth; for callers that only
  // need its type, mode and owner (path search).
  Result<std::optional<InodeRecord>> GetInode(uint64_t ino, bool dir_times = true);
  Status PutInode(uint64_t ino, const InodeRecord& rec);
  // Records an entry change of directory dir at now (mtime = ctime = now)
  // without writing its inode record: concurrent entry changes of one
  // directory do not conflict with each other.
  Status TouchDir(uint64_t dir, int64_t now);
  // Removes the inode and everything hanging off it (data, blocks, target, xattrs).
  Status EraseInode(uint64_t ino);

  Result<std::optional<DirEntryRecord>> GetEntry(uint64_t dir, std::string_view name);
  Status PutEntry(uint64_t dir, std::string_view name, const DirEntryRecord& rec);
  Status EraseEntry(uint64_t dir, std::string_view name);
  // Entries whose cookie (keys::NameHash) is greater than after (0: from
  // the first), in cookie order: up to limit (0: all), plus any further ones
  // sharing the last one's cookie, so that a page never ends between names
  // with one cookie. Not conflict-checked.
  Result<EntryPage> ListEntries(uint64_t dir, uint64_t after, size_t limit);
  // Whether dir has any entry. Conflict-checked: reads dir's change stamp,
  // which every entry change writes, so a concurrent create makes this
  // transaction conflict (rmdir never leaves an orphan entry).
  Result<bool> HasEntries(uint64_t dir);

  // Inline file bytes; empty when none were written.
  Result<std::string> GetData(uint64_t ino);
  Status PutData(uint64_t ino, std::string_view bytes);
  // Block records of regular files. PutBlock and EraseBlock move chunk
  // references with them (chunk_refs.h): the version they replace or remove
  // at the live epoch gives its reference back; a version of an older epoch
  // stays, held by its snapshot.
  Result<std::optional<BlockRecord>> GetBlock(uint64_t ino, uint64_t block);
  Status PutBlock(uint64_t ino, uint64_t block, const BlockRecord& rec);
  Status EraseBlock(uint64_t ino, uint64_t block);
  // Visits the blocks of ino with index >= first in index order; fn returns
  // false to stop. Not conflict-checked (the inode record is the guard).
  Status ScanBlocks(uint64_t ino, uint64_t first,
                    const std::function<bool(uint64_t block, const BlockRecord& rec)>& fn);

  Result<std::optional<std::string>> GetSymlink(uint64_t ino);
  Status PutSymlink(uint64_t ino, std::string_view target);

  Result<std::optional<std::string>> GetXattr(uint64_t ino, std::string_view name);
  Status PutXattr(uint64_t ino, std::string_view name, std::string_view value);
  Status EraseXattr(uint64_t ino, std::string_view name);
  // Names in bytewise order.
  Result<std::vector<std::string>> ListXattrs(uint64_t ino);

  // Open-but-unlinked inodes (keys::OrphanKey): marked when the last link
  // goes while the file is open, cleared when the inode is erased.
  Status PutOrphan(uint64_t ino);
  Status EraseOrphan(uint64_t ino);
  Result<std::vector<uint64_t>> ListOrphans();

 private:
  ShareTxn(kv::Transaction& txn, uint64_t share_id, ShareFsRecord fs, uint64_t epoch)
      : txn_(txn), share_id_(share_id), fs_(fs), epoch_(epoch) {}
  Status CheckWritable() const;
  Result<std::optional<std::string>> ReadBlob(const std::string& base);
  Status PutBlob(const std::string& base, std::string_view bytes);
  Status Erase(const std::string& base);
  // The block's version at the live epoch, if one was written there.
  Result<std::optional<BlockRecord>> LiveBlock(uint64_t ino, uint64_t block);

  kv::Transaction& txn_;
  const uint64_t share_id_;
  const ShareFsRecord fs_;
  const uint64_t epoch_;
};

}  // namespace nasd::meta
