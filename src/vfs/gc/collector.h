// Collector: gives space back. One pass (RunOnce):
//   1. prunes every share that owes it (meta/snapshot_prune.h): versions only
//      deleted snapshots saw go, and their chunk references with them;
//   2. optionally sweeps the store for orphans: chunks with no reference
//      count, no 'Z' record and no pin (stored by writes that never
//      committed) get a 'Z' record stamped now, so they age like the rest;
//   3. deletes every chunk whose count has been zero ('Z') for the grace
//      period. Under ChunkPins' exclusive fence it skips pinned chunks, then
//      runs a transaction that re-reads 'R' (absent) and 'Z' (unchanged) and
//      deletes 'Z'; only after that commit is the chunk object deleted.
//      A writer re-referencing the chunk either conflicts with that
//      transaction or, if it comes later, stores the chunk again
//      (chunk_pins.h), so no committed block ever names a deleted chunk.
// If a chunk delete fails after its 'Z' is gone, the chunk is an orphan that
// the next sweep finds. A dry run changes nothing and reports the same
// counts, and also explains what holds space that is not garbage: for every
// share, the bytes only its snapshots hold (meta/space_usage.h, a scan of
// the share's block records), and the bytes writers still hold (pinned
// chunks, write-back buffers).
//
// Bytes are data bytes (ChunkStore::DataLength; framing not counted), looked
// up once per chunk on the 'Z' list and remembered while it stays there.
//
// Start() runs passes in the background every interval; Stop() (or the
// destructor) waits for the pass in progress. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chunk/chunk_store.h"
#include "common/status.h"
#include "common/thread_annotations.h"
#include "kv/kv_engine.h"
#include "meta/periodic.h"
#include "vfs/gc/chunk_pins.h"

namespace nasd::vfs::gc {

struct CollectorOptions {
  // How long a chunk's count must have been zero before it is deleted: a
  // reader that planned a read of it (Filesystem::MapRead) may still fetch it
  // for this long.
  std::chrono::nanoseconds grace = std::chrono::hours(1);
  // Unix ns; the system clock when empty.
  std::function<int64_t()> clock;
  // Whether passes list the whole store for orphans (O(chunks)).
  bool sweep_orphans = true;
  // Chunks examined per exclusive fence (writers' Puts wait meanwhile).
  size_t batch = 128;
  // Bytes buffered by writers and not yet stored (the servers' write-back
  // buffers), for dry-run reports; none when empty.
  std::function<uint64_t()> buffered_bytes;
};

// What only a share's snapshots hold (dry runs).
struct SnapshotHold {
  std::string share;
  uint64_t bytes = 0;  // freed if all its snapshots were deleted
  std::vector<std::pair<std::string, uint64_t>> exclusive;  // snapshot, freed if it alone went
};

struct GcReport {
  bool dry_run = false;
  uint64_t shares_pruned = 0;    // shares that owed a pruning pass
  uint64_t versions_dropped = 0;
  uint64_t refs_released = 0;
  uint64_t orphans_found = 0;    // unreferenced chunks given a 'Z' record
  uint64_t zero_ref_chunks = 0;  // chunks on the 'Z' list
  uint64_t in_grace = 0;         // ... of which not yet old enough
  uint64_t pinned = 0;           // ... of which a writer is about to reference
  uint64_t raced = 0;            // ... of which a writer referenced meanwhile
  uint64_t deleted = 0;          // chunks deleted (dry run: would be)
  uint64_t delete_failed = 0;    // left as orphans for the next sweep
  uint64_t deleted_bytes = 0;    // data bytes of the deleted chunks
  uint64_t in_grace_bytes = 0;
  int64_t next_due_ns = 0;       // when the first chunk in grace becomes due (0: none)
  int64_t last_due_ns = 0;       // ... and the last
  uint64_t pinned_bytes = 0;
  // Dry runs only: what holds space that is not garbage.
  uint64_t buffered_bytes = 0;   // in write-back buffers, not yet stored
  std::vector<SnapshotHold> held_by_snapshots;  // shares whose snapshots hold bytes
  std::string ToJson() const;
};

// Running totals of the passes that changed something (dry runs excluded),
// for /metrics.
struct GcTotals {
  uint64_t passes = 0;
  uint64_t chunks_deleted = 0;
  uint64_t versions_dropped = 0;
  uint64_t orphans_found = 0;
  uint64_t pending_chunks = 0;  // on the 'Z' list at the end of the last pass
  uint64_t reclaimed_bytes = 0;
  uint64_t pending_bytes = 0;   // ... their data bytes
};

class Collector {
 public:
  // kv, chunks and pins must outlive the collector.
  Collector(kv::KvEngine& kv, chunk::ChunkStore& chunks, ChunkPins& pins,
            CollectorOptions options = {});
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // One pass; passes never overlap (a second caller waits).
  Result<GcReport> RunOnce(bool dry_run = false);
  // Background passes every interval until Stop(). Errors are logged.
  void Start(std::chrono::milliseconds interval);
  void Stop();
  GcTotals Totals();

 private:
  Status Prune(GcReport& report, bool dry_run);
  Status SweepOrphans(GcReport& report, bool dry_run);
  Status DeleteAged(GcReport& report, bool dry_run);
  Status ExplainHolds(GcReport& report);
  // The data bytes of a chunk on the 'Z' list (0 if it is gone), remembered
  // in seen for the next pass.
  uint64_t BytesOf(const std::string& raw_id,
                   std::unordered_map<std::string, uint64_t>& seen);
  struct ZeroEntry {
    std::string raw_id;
    std::string stamp;  // the 'Z' value as read
    uint64_t bytes = 0;
  };
  // Under the fence: the 'Z' transaction of a batch of chunks, then their
  // deletes; one chunk at a time if the batch conflicts.
  Status CollectBatch(const std::vector<const ZeroEntry*>& due, GcReport& report);
  Status Collect(const ZeroEntry& z, GcReport& report);
  void DeleteObject(const ZeroEntry& z, GcReport& report);

  // Fixed at construction.
  kv::KvEngine& kv_;
  chunk::ChunkStore& chunks_;
  ChunkPins& pins_;
  const CollectorOptions options_;

  std::mutex pass_mu_;  // one pass at a time
  // Data bytes of the chunks on the 'Z' list at the last pass.
  std::unordered_map<std::string, uint64_t> sizes_ GUARDED_BY(pass_mu_);
  // Chunks this pass took off the 'Z' list.
  std::unordered_map<std::string, uint64_t> deleted_now_ GUARDED_BY(pass_mu_);
  std::mutex totals_mu_;
  GcTotals totals_ GUARDED_BY(totals_mu_);
  meta::Periodic periodic_;
};

}  // namespace nasd::vfs::gc
