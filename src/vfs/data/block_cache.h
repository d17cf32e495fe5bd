// BlockCache: an LRU cache of whole, verified chunks with a memory cap,
// shared by every Filesystem of a server, and the reader that serves a
// ReadPlan (file_data.h) from it.
//
// Chunks are immutable and named by their content, so a cached chunk can
// never be stale: nothing is ever invalidated, only evicted.
//
// Sequential reads fetch whole chunks through the cache and queue the
// following blocks' chunks for readahead on background threads; random reads
// fetch only the byte range (ChunkStore::GetRange verifies just the segments
// it touches) and leave the cache alone.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "chunk/chunk_store.h"
#include "common/shared_bytes.h"
#include "common/status.h"
#include "common/thread_annotations.h"
#include "vfs/data/file_data.h"

namespace nasd::vfs::data {

struct BlockCacheOptions {
  uint64_t capacity_bytes = 256ULL << 20;
  int readahead_threads = 2;
  // Readahead requests waiting beyond this are dropped.
  size_t max_queued = 16;
};

struct BlockCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t readaheads = 0;  // chunks fetched ahead of a reader
  uint64_t bytes = 0;       // cached now
};

// Tells sequential readers from random ones: a read that starts near where
// the reads of the same inode have got to (within kWindow either way) is
// sequential, since a streaming client keeps several requests in flight and
// they arrive out of order (the kernel's readahead over FUSE, pipelined NFS
// READs). Remembers a bounded number of inodes.
class SequentialTracker {
 public:
  static constexpr uint64_t kWindow = 4 << 20;

  // Records a read of [offset, offset + length) of ino; true if sequential.
  bool Next(uint64_t ino, uint64_t offset, uint64_t length);
  // Whether a read of ino at offset would be sequential, recording nothing
  // (for a read that may yet be refused).
  bool Peek(uint64_t ino, uint64_t offset);

 private:
  static constexpr size_t kMaxTracked = 4096;
  std::mutex mu_;
  std::unordered_map<uint64_t, uint64_t> next_ GUARDED_BY(mu_);
};

// The bytes of a read by reference: each part views memory its owner keeps
// alive (a cached chunk, the file's inline bytes, a shared block of zeros),
// so an adapter can send them without copying (NFS READ, FUSE read).
struct ReadBuffers {
  using Part = SharedBytes;
  std::vector<Part> parts;
  uint64_t size = 0;

  // The bytes in one string (one copy).
  std::string Flatten() const;
};

class BlockCache {
 public:
  BlockCache(chunk::ChunkStore& chunks, BlockCacheOptions options = {});
  ~BlockCache();
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  // The bytes of plan's range (size = sum of the pieces), by reference
  // (ReadBuffers); plan.inline_bytes is moved. sequential: the reader is
  // streaming, so fetch whole chunks and read plan.following ahead.
  // nowait: kWouldBlock, and no readahead queued, when a chunk of the plan is
  // not cached (plan.inline_bytes may have been moved).
  Result<ReadBuffers> ReadShared(ReadPlan& plan, bool sequential, bool nowait = false);

  // The whole chunk (raw 32-byte id), from the cache or the store.
  Result<SharedBytes> Get(const std::string& id);
  BlockCacheStats Stats() const;

 private:
  // The cached chunk; an empty owner on a miss (counted unless a refused
  // nowait read will be tried again).
  SharedBytes Lookup(const std::string& id, bool count_miss = true);
  void Insert(const std::string& id, SharedBytes bytes);
  void Prefetch(const std::vector<std::string>& ids);
  void PrefetchLoop();
  // Waits for a readahead of id that is queued or running; the chunk if it
  // arrived, an empty owner otherwise (none was pending, or it failed).
  SharedBytes AwaitPrefetch(const std::string& id);

  chunk::ChunkStore& chunks_;
  const BlockCacheOptions options_;

  mutable std::mutex mu_;
  struct Entry {
    SharedBytes bytes;
    std::list<std::string>::iterator lru;
  };
  std::unordered_map<std::string, Entry> entries_ GUARDED_BY(mu_);
  std::list<std::string> lru_ GUARDED_BY(mu_);  // front: most recent
  uint64_t bytes_ GUARDED_BY(mu_) = 0;
  uint64_t hits_ GUARDED_BY(mu_) = 0;
  uint64_t misses_ GUARDED_BY(mu_) = 0;
  uint64_t readaheads_ GUARDED_BY(mu_) = 0;
  std::deque<std::string> queue_ GUARDED_BY(mu_);
  std::unordered_map<std::string, bool> queued_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  // Separate, so that neither wakes the other's waiters for nothing: a
  // sequential reader calls Prefetch on every read, mostly with all of its
  // chunks cached or queued already.
  std::condition_variable work_cv_;  // queue_ got an id, or stopping_
  std::condition_variable done_cv_;  // an id left queued_, or stopping_
  std::vector<std::thread> threads_;
};

}  // namespace nasd::vfs::data
