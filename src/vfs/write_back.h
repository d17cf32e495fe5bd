// Write-back state of a Filesystem: one DirtyFile per inode with buffered
// writes (data/pending_writes.h), and the memory budget they share with every
// other Filesystem of the server.
//
// Lock order: a DirtyFile's mutex before WriteBack's map lock (never the
// other way round); a DirtyFile's mutex may be held across a metadata
// transaction and chunk writes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "common/thread_annotations.h"
#include "meta/records.h"
#include "vfs/data/pending_writes.h"

namespace nasd::vfs {

// The memory all write-back buffers of a server may hold. Going over it makes
// writers flush their own file before returning (back-pressure).
class DirtyBudget {
 public:
  explicit DirtyBudget(uint64_t cap_bytes) : cap_(cap_bytes) {}
  void Charge(int64_t delta) { used_.fetch_add(delta, std::memory_order_relaxed); }
  bool Over() const { return used_.load(std::memory_order_relaxed) > static_cast<int64_t>(cap_); }
  int64_t used() const { return used_.load(std::memory_order_relaxed); }
  uint64_t cap() const { return cap_; }

 private:
  const uint64_t cap_;
  std::atomic<int64_t> used_{0};
};

struct DirtyFile {
  DirtyFile(uint64_t block_size, size_t uploads) : writes(block_size, uploads) {}

  std::mutex mu;
  data::PendingWrites writes GUARDED_BY(mu);
  int64_t mtime_ns GUARDED_BY(mu) = 0;       // of the last buffered write
  bool kill_suid GUARDED_BY(mu) = false;     // a non-root caller wrote
  std::chrono::steady_clock::time_point since GUARDED_BY(mu);  // first buffered write
  uint64_t charged GUARDED_BY(mu) = 0;       // bytes charged to the budget
  // An unpublished temp file (Filesystem::CreateTemp): its inode record
  // lives here, not in the KV, until PublishTemp.
  bool temp GUARDED_BY(mu) = false;
  meta::InodeRecord temp_rec GUARDED_BY(mu);
  // Dropped from its WriteBack: a writer holding it must look up again.
  bool removed GUARDED_BY(mu) = false;
};

class WriteBack {
 public:
  // uploads: whole blocks each file stores in the background at once
  // (data::PendingWrites' max_in_flight).
  WriteBack(uint64_t block_size, std::shared_ptr<DirtyBudget> budget,
            size_t uploads = data::PendingWrites::kDefaultInFlight)
      : block_size_(block_size), uploads_(uploads), budget_(std::move(budget)) {}

  std::shared_ptr<DirtyFile> Find(uint64_t ino);
  std::shared_ptr<DirtyFile> FindOrCreate(uint64_t ino);
  // Forgets ino's DirtyFile df, marking it removed (its buffers must have
  // been flushed or discarded).
  void Remove(uint64_t ino, DirtyFile& df) REQUIRES(df.mu);
  std::vector<uint64_t> Inodes();
  // How many DirtyFiles have been removed so far. Buffered writes reach the
  // KV before their DirtyFile is removed, so a reader that takes this count,
  // then a snapshot, then finds CleanSince(ino, count) knows the snapshot
  // holds every write to ino that completed before it: none was buffered
  // then and committed after it.
  uint64_t Removals();
  bool CleanSince(uint64_t ino, uint64_t removals);
  DirtyBudget& budget() { return *budget_; }
  // Brings df's charge to the budget in line with its buffered bytes.
  void Recharge(DirtyFile& df) REQUIRES(df.mu);

 private:
  const uint64_t block_size_;
  const size_t uploads_;
  const std::shared_ptr<DirtyBudget> budget_;
  std::mutex mu_;
  std::unordered_map<uint64_t, std::shared_ptr<DirtyFile>> files_ GUARDED_BY(mu_);
  uint64_t removals_ GUARDED_BY(mu_) = 0;
};

}  // namespace nasd::vfs
