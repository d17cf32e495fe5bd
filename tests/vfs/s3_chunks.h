// Chunks in S3 for the vfs suites: the S3 backend on the test binary's
// shared s3rver (tests/chunk/s3_test_server.h), a fresh bucket each time.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "chunk/s3/s3_backend.h"
#include "chunk/s3_test_server.h"
#include "kv/engine_factories.h"

namespace nasd::vfs::testing {

// An S3 backend on a new, empty bucket (null after a test failure).
inline std::unique_ptr<chunk::Backend> NewS3ChunkBackend() {
  auto server = chunk::testing::S3TestServer::Shared();
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  if (!server.ok()) return nullptr;
  auto bucket = (*server)->NewBucket();
  EXPECT_TRUE(bucket.ok()) << bucket.status().ToString();
  if (!bucket.ok()) return nullptr;
  auto backend = chunk::OpenS3Backend((*server)->Options(*bucket));
  EXPECT_TRUE(backend.ok()) << backend.status().ToString();
  return backend.ok() ? std::move(backend).value() : nullptr;
}

// VfsTest factory: RocksDB metadata, chunks in S3.
struct RocksDbS3Factory : kv::testing::RocksDbFactory {
  std::unique_ptr<chunk::Backend> ChunkBackend() { return NewS3ChunkBackend(); }
};

// Mem, RocksDb, RocksDbS3.
struct ChunkBackendNames {
  template <typename T>
  static std::string GetName(int i) {
    if constexpr (std::is_same_v<T, RocksDbS3Factory>) return "RocksDbS3";
    return kv::testing::FactoryNames::GetName<T>(i);
  }
};

using KvAndS3Factories =
    ::testing::Types<kv::testing::MemFactory, kv::testing::RocksDbFactory, RocksDbS3Factory>;

}  // namespace nasd::vfs::testing
