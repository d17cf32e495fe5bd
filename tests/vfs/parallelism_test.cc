// How many chunk requests the file layer keeps in flight: block uploads per
// written file (FilesystemOptions::write_uploads) and readahead of a
// sequential reader (readahead_blocks, BlockCacheOptions::readahead_threads),
// measured on a backend whose every put and read takes a while, as S3's do.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "chunk/mem/mem_backend.h"
#include "kv/engine_factories.h"
#include "meta/share_store.h"
#include "vfs/filesystem.h"
#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {
namespace {

constexpr uint64_t kBs = kTestBlockSize;

// A mem backend whose puts and reads each take 30 ms, counting the most that
// ran at once.
class SlowBackend final : public chunk::Backend {
 public:
  Status PutObject(std::string_view name, std::string_view data) override {
    Gauge g(*this, puts_, max_puts_);
    return base_->PutObject(name, data);
  }
  Result<std::string> ReadObject(std::string_view name, uint64_t offset, uint64_t length) override {
    Gauge g(*this, reads_, max_reads_);
    return base_->ReadObject(name, offset, length);
  }
  Result<uint64_t> ObjectSize(std::string_view name) override { return base_->ObjectSize(name); }
  Status DeleteObject(std::string_view name) override { return base_->DeleteObject(name); }
  Status ListObjects(const std::function<bool(std::string_view)>& fn) override { return base_->ListObjects(fn); }
  chunk::BackendUsage Usage() const override { return base_->Usage(); }
  std::string Describe() const override { return "slow:" + base_->Describe(); }

  int max_puts() const { return max_puts_; }
  int max_reads() const { return max_reads_; }
  void ResetMax() { max_puts_ = max_reads_ = 0; }

 private:
  struct Gauge {
    Gauge(SlowBackend&, std::atomic<int>& now, std::atomic<int>& max) : now_(now) {
      const int n = ++now_;
      for (int m = max.load(); n > m && !max.compare_exchange_weak(m, n);) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    ~Gauge() { --now_; }
    std::atomic<int>& now_;
  };

  std::unique_ptr<chunk::Backend> base_ = chunk::NewMemBackend();
  std::atomic<int> puts_{0}, reads_{0}, max_puts_{0}, max_reads_{0};
};

class ParallelismTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = kv::testing::MemFactory().Open();
    auto backend = std::make_unique<SlowBackend>();
    slow_ = backend.get();
    chunks_ = std::make_unique<chunk::ChunkStore>(std::move(backend), chunk::ChunkStoreOptions{.hash_threads = 0});
    ASSERT_TRUE(meta::ShareStore(*kv_).Create("docs").ok());
  }
  void Mount(FilesystemOptions options, int readahead_threads) {
    options.block_size = kBs;
    options.cache = std::make_shared<data::BlockCache>(
        *chunks_, data::BlockCacheOptions{.capacity_bytes = 64 * kBs, .readahead_threads = readahead_threads});
    auto fs = Filesystem::Open(*kv_, *chunks_, "docs", options);
    ASSERT_TRUE(fs.ok()) << fs.status().ToString();
    fs_ = std::move(fs).value();
  }
  // A file of n distinct blocks written block by block, committed.
  uint64_t WriteBlocks(int n) {
    auto made = fs_->Create(Caller::Root(), fs_->root(), "f", 0644, true);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    const uint64_t ino = made->attr.ino;
    for (int i = 0; i < n; ++i) {
      std::string block(kBs, static_cast<char>('a' + i % 26));
      block[0] = static_cast<char>(i);
      EXPECT_TRUE(fs_->Write(Caller::Root(), ino, i * kBs, block).ok());
    }
    EXPECT_TRUE(fs_->Fsync(ino).ok());
    return ino;
  }
  void ReadSequentially(uint64_t ino, int blocks) {
    for (uint64_t off = 0; off < blocks * kBs; off += 64 << 10) {
      auto r = fs_->Read(ino, off, 64 << 10);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->size(), 64u << 10);
      ASSERT_EQ((*r)[0], off % kBs == 0 ? static_cast<char>(off / kBs) : static_cast<char>('a' + off / kBs % 26));
    }
  }

  std::unique_ptr<kv::KvEngine> kv_;
  SlowBackend* slow_ = nullptr;
  std::unique_ptr<chunk::ChunkStore> chunks_;
  std::unique_ptr<Filesystem> fs_;
};

TEST_F(ParallelismTest, AWrittenFileStoresWriteUploadsBlocksAtOnce) {
  Mount({.write_uploads = 6}, 2);
  WriteBlocks(20);
  EXPECT_EQ(slow_->max_puts(), 6);
}

TEST_F(ParallelismTest, TheDefaultIsFiveUploadsPerFile) {
  Mount({}, 2);
  WriteBlocks(12);
  EXPECT_EQ(slow_->max_puts(), 5);
}

TEST_F(ParallelismTest, ASequentialReaderReadsAheadWithEveryThread) {
  Mount({.readahead_blocks = 8}, 8);
  const uint64_t ino = WriteBlocks(24);
  fs_ = nullptr;
  Mount({.readahead_blocks = 8}, 8);  // a cold block cache
  slow_->ResetMax();
  ReadSequentially(ino, 24);
  EXPECT_GE(slow_->max_reads(), 8) << "eight readahead threads (and the reader)";

  fs_ = nullptr;
  Mount({}, 2);  // the defaults: two threads
  slow_->ResetMax();
  ReadSequentially(ino, 24);
  EXPECT_LE(slow_->max_reads(), 3);
}

}  // namespace
}  // namespace nasd::vfs::testing
