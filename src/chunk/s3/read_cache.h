// A local read cache on disk in front of a slow Backend (S3): whole objects
// read through it are kept as files in a cache folder, up to a byte cap,
// evicting the least recently used; later reads of them (whole or a range)
// and ObjectSize are answered from disk, also while the base is unreachable.
//
// - What is cached: an object read from offset 0 whose answer was shorter
//   than the length asked for (so it is the whole object) and fits the cap.
//   Other reads pass through.
// - Writes and deletes go to the base; a put or delete through this wrapper
//   drops the cached copy first. Writers elsewhere are not seen (chunks are
//   immutable, so a cached chunk stays right).
// - The cache survives restarts. A file is written under a temporary name
//   ("~*") and renamed into place only when complete, so a cached file is
//   whole or absent (no fsync: a crash may still leave a damaged file, which
//   the checksums catch, below). Open indexes the files found (size from
//   stat, recency from mtime, which every hit refreshes), removes temporary
//   leftovers and anything that is not an object name, and evicts down to
//   the cap.
// - Files found at open are served to reads, but ObjectSize asks the base
//   about them until it confirms them once: the bucket may have lost the
//   object while the cache was closed (a collector's delete), and ChunkStore
//   skips the put of a chunk ObjectSize reports present.
// - The bytes are not verified here; ChunkStore verifies every read's
//   checksums whatever the source, and when a read fails them it drops the
//   cached copy (Invalidate) and reads the base's once.
// Thread-safe. ListObjects, Usage and staged puts are the base's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "chunk/backend.h"

namespace nasd::chunk {

struct ReadCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
  uint64_t invalidations = 0;  // copies dropped by Invalidate (failed checksums)
  uint64_t bytes = 0;          // cached now
  uint64_t objects = 0;
};

class ReadCacheBackend;

// Creates dir or indexes the cache already in it, and wraps base.
// capacity_bytes > 0.
Result<std::unique_ptr<ReadCacheBackend>> OpenReadCache(std::unique_ptr<Backend> base, const std::string& dir,
                                                        uint64_t capacity_bytes);

class ReadCacheBackend : public Backend {
 public:
  virtual ReadCacheStats CacheStats() const = 0;
};

}  // namespace nasd::chunk
