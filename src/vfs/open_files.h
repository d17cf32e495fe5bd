// OpenFiles: how many handles each inode of one share has open, for the
// adapters with open/close semantics (FUSE, hence SMB). POSIX keeps a file
// whose last link is removed while it is open: its data stays readable and
// writable through the open handles and is freed at the last close.
//
// The vfs does that with orphans: when the last link of an open regular
// file goes, the inode is kept with nlink 0 and marked in the KV
// (keys::OrphanKey) in the same transaction; the last Release erases it (and
// gives its chunks back). Handles do not survive a restart, so orphans left
// by a crash are erased when the share's Filesystem is next opened.
//
// Counts live in memory only. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/thread_annotations.h"

namespace nasd::vfs {

class OpenFiles {
 public:
  void Retain(uint64_t ino);
  // True when this was the last handle and the inode was orphaned meanwhile:
  // the caller erases it.
  bool Release(uint64_t ino);
  bool IsOpen(uint64_t ino) const;
  // Remembers that ino lost its last link while open (called inside the
  // transaction that orphans it, so possibly for a transaction that then
  // fails: erasing checks nlink == 0 in the KV first).
  void MarkOrphan(uint64_t ino);
  // Orphans whose handles are all closed already (a release that raced the
  // unlink); each is returned once.
  std::vector<uint64_t> TakeClosedOrphans();

 private:
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, uint64_t> counts_ GUARDED_BY(mu_);
  std::unordered_set<uint64_t> orphans_ GUARDED_BY(mu_);
};

}  // namespace nasd::vfs
