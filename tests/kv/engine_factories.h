// The typed KvEngine suite's fixture and factories: each factory opens a
// fresh, empty engine of one implementation (RocksDB under a TempDir it owns).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

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

using KeyList = std::vector<std::string>;

// Opens a fresh engine per test; counts what the CommitObserver reports.
template <typename Factory>
class KvEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = factory_.Open([this](double seconds, bool ok) {
      EXPECT_GE(seconds, 0.0);
      (ok ? observed_ok_ : observed_failed_).fetch_add(1);
    });
    ASSERT_NE(engine_, nullptr);
  }

  void Put(std::string_view key, std::string_view value) {
    WriteBatch batch;
    batch.Put(key, value);
    ASSERT_TRUE(engine_->Write(batch).ok());
  }

  std::optional<std::string> Read(std::string_view key) {
    Result<std::optional<std::string>> value = engine_->Get(key);
    EXPECT_TRUE(value.ok()) << value.status().ToString();
    return value.ok() ? *value : std::nullopt;
  }

  static KeyList KeysOf(Iterator& it) {
    KeyList keys;
    for (; it.Valid(); it.Next()) keys.emplace_back(it.key());
    EXPECT_TRUE(it.status().ok()) << it.status().ToString();
    return keys;
  }
  KeyList Keys(const Range& range) { return KeysOf(*engine_->NewIterator(range)); }

  static KeyList KeysOf(const std::vector<KeyValue>& pairs) {
    KeyList keys;
    for (const KeyValue& kv : pairs) keys.push_back(kv.key);
    return keys;
  }

  Factory factory_;  // outlives the engine (it owns the RocksDB directory)
  std::atomic<int> observed_ok_{0};
  std::atomic<int> observed_failed_{0};
  std::unique_ptr<KvEngine> engine_;
};

}  // namespace nasd::kv::testing
