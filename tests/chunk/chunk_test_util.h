// Helpers shared by the chunk tests: deterministic random bytes and store
// factories for every backend the typed suites run against.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "chunk/chunk_store.h"
#include "chunk/fault/fault_backend.h"
#include "chunk/local/local_backend.h"
#include "chunk/mem/mem_backend.h"
#include "chunk/s3/read_cache.h"
#include "s3_test_server.h"
#include "testutil/temp_dir.h"

namespace nasd::chunk::testing {

inline std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v = rng();
    for (int b = 0; b < 8; ++b) out[i + b] = static_cast<char>(v >> (8 * b));
  }
  for (uint64_t v = rng(); i < n; ++i, v >>= 8) out[i] = static_cast<char>(v);
  return out;
}

// Store factories: Make() returns a store over a fresh, empty backend, except
// that LocalStoreFactory reopens the same directory and S3StoreFactory (in
// s3_test_server.h) the same bucket on every call. The
// factory object owns whatever must outlive the store (a temp dir).
struct MemStoreFactory {
  static constexpr const char* kName = "mem";
  std::unique_ptr<ChunkStore> Make(ChunkStoreOptions options = {}) {
    return std::make_unique<ChunkStore>(NewMemBackend(), options);
  }
};

struct LocalStoreFactory {
  static constexpr const char* kName = "local";
  testutil::TempDir dir;
  std::unique_ptr<ChunkStore> Make(ChunkStoreOptions options = {}) {
    auto backend = OpenLocalBackend(dir.Sub("chunks"));
    EXPECT_TRUE(backend.ok()) << backend.status().ToString();
    if (!backend.ok()) return nullptr;
    return std::make_unique<ChunkStore>(std::move(backend).value(), options);
  }
};

struct FaultMemStoreFactory {
  static constexpr const char* kName = "fault_mem";
  std::unique_ptr<ChunkStore> Make(ChunkStoreOptions options = {}) {
    return std::make_unique<ChunkStore>(std::make_unique<FaultBackend>(NewMemBackend()), options);
  }
};

// A mem backend behind a small on-disk read cache (evictions happen).
struct CachedMemStoreFactory {
  static constexpr const char* kName = "cached_mem";
  testutil::TempDir dir;
  std::unique_ptr<ChunkStore> Make(ChunkStoreOptions options = {}) {
    auto cache = OpenReadCache(NewMemBackend(), dir.Sub("cache"), 8 << 20);
    EXPECT_TRUE(cache.ok()) << cache.status().ToString();
    if (!cache.ok()) return nullptr;
    return std::make_unique<ChunkStore>(std::move(cache).value(), options);
  }
};

// The two ways ChunkStore::Put runs: hash, then write; or write while a
// helper thread hashes (forced here for every size).
inline ChunkStoreOptions HashFirstOptions() {
  ChunkStoreOptions o;
  o.hash_threads = 0;
  return o;
}

inline ChunkStoreOptions OverlappedOptions(size_t threads = 1) {
  ChunkStoreOptions o;
  o.hash_threads = threads;
  o.overlap_min_size = 0;
  return o;
}

// Regular files in dir (a local backend's tmp/ after puts should have none).
inline size_t CountFiles(const std::filesystem::path& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

}  // namespace nasd::chunk::testing
