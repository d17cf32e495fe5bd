// Helpers shared by the chunk tests: deterministic random bytes and store
// factories for every backend the typed suites run against.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "chunk/chunk_store.h"
#include "chunk/fault/fault_backend.h"
#include "chunk/local/local_backend.h"
#include "chunk/mem/mem_backend.h"
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

// Factories: Make() returns a fresh, empty store. The factory object owns
// whatever must outlive the store (a temp dir).
struct MemStoreFactory {
  static constexpr const char* kName = "mem";
  std::unique_ptr<ChunkStore> Make() { return std::make_unique<ChunkStore>(NewMemBackend()); }
};

struct LocalStoreFactory {
  static constexpr const char* kName = "local";
  testutil::TempDir dir;
  std::unique_ptr<ChunkStore> Make() {
    auto backend = OpenLocalBackend(dir.Sub("chunks"));
    EXPECT_TRUE(backend.ok()) << backend.status().ToString();
    if (!backend.ok()) return nullptr;
    return std::make_unique<ChunkStore>(std::move(backend).value());
  }
};

struct FaultMemStoreFactory {
  static constexpr const char* kName = "fault_mem";
  std::unique_ptr<ChunkStore> Make() {
    return std::make_unique<ChunkStore>(std::make_unique<FaultBackend>(NewMemBackend()));
  }
};

}  // namespace nasd::chunk::testing
