// Engine factories for the typed KvEngine suite: each opens a fresh, empty
// engine of one implementation (RocksDB under a TempDir it owns).
#pragma once

#include <memory>
#include <utility>

#include <gtest/gtest.h>

#include "kv/kv_engine.h"
#include "kv/mem/mem_engine.h"
#include "kv/rocksdb/rocksdb_engine.h"
#include "testutil/temp_dir.h"

namespace nasd::kv::testing {

struct MemFactory {
  std::unique_ptr<KvEngine> Open(CommitObserver observer = {}) {
    return NewMemEngine(std::move(observer));
  }
};

struct RocksDbFactory {
  testutil::TempDir dir;
  std::unique_ptr<KvEngine> Open(CommitObserver observer = {}) {
    Result<std::unique_ptr<KvEngine>> engine = OpenRocksDb(dir.Sub("db"), std::move(observer));
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? std::move(engine).value() : nullptr;
  }
};

class FactoryNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    if constexpr (std::is_same_v<T, MemFactory>) return "Mem";
    return "RocksDb";
  }
};

}  // namespace nasd::kv::testing
