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
// - The cache is not durable: Open empties the folder, so a file torn by a
//   crash is never served. The bytes are not verified here; ChunkStore
//   verifies every read's checksums whatever the source.
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
  uint64_t bytes = 0;  // cached now
  uint64_t objects = 0;
};

class ReadCacheBackend;

// Creates (or empties) dir and wraps base. capacity_bytes > 0.
Result<std::unique_ptr<ReadCacheBackend>> OpenReadCache(std::unique_ptr<Backend> base, const std::string& dir,
                                                        uint64_t capacity_bytes);

class ReadCacheBackend : public Backend {
 public:
  virtual ReadCacheStats CacheStats() const = 0;
};

}  // namespace nasd::chunk
