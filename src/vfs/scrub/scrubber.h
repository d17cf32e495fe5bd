// Scrubber: re-verifies every stored chunk in the background. A chunk whose
// bytes fail their crc32c framing or no longer hash to their name (SHA-256)
// is logged with the block records that name it (share, inode, block, and
// the epoch of each version) and counted, so an operator can restore those
// files; nothing is changed.
//
// Reads are rate-limited (bytes_per_sec) so that a pass does not compete
// with clients. serve runs a pass every interval. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "chunk/chunk_store.h"
#include "common/status.h"
#include "common/thread_annotations.h"
#include "kv/kv_engine.h"
#include "meta/periodic.h"

namespace nasd::vfs::scrub {

struct ScrubOptions {
  uint64_t bytes_per_sec = 32ULL << 20;
  // Sleeps for the rate limit; tests pass a no-op.
  std::function<void(std::chrono::nanoseconds)> sleep;
};

// Where a damaged chunk is used.
struct ChunkUse {
  uint64_t share_id = 0;
  uint64_t ino = 0;
  uint64_t block = 0;
  uint64_t epoch = 0;
};

struct ScrubReport {
  uint64_t chunks = 0;
  uint64_t bytes = 0;
  std::vector<std::string> damaged;  // hex ids
};

struct ScrubTotals {
  uint64_t chunks_verified = 0;
  uint64_t corruptions = 0;
};

class Scrubber {
 public:
  Scrubber(kv::KvEngine& kv, chunk::ChunkStore& chunks, ScrubOptions options = {});
  ~Scrubber() { Stop(); }

  // kCancelled when Stop() interrupts it.
  Result<ScrubReport> RunOnce();
  void Start(std::chrono::milliseconds interval);
  // Interrupts the pass in progress (a pass may take hours) and stops.
  void Stop();
  ScrubTotals Totals();

  // Every block-record version, in every share and epoch, naming chunk_id.
  static Result<std::vector<ChunkUse>> FindUses(kv::KvEngine& kv, std::string_view chunk_id);

 private:
  kv::KvEngine& kv_;
  chunk::ChunkStore& chunks_;
  const ScrubOptions options_;
  std::mutex mu_;
  ScrubTotals totals_ GUARDED_BY(mu_);
  std::atomic<bool> stopping_{false};
  meta::Periodic periodic_;
};

}  // namespace nasd::vfs::scrub
