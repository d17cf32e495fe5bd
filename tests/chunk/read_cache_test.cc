// The on-disk read cache: hits, LRU eviction under the cap, invalidation,
// and reads of cached objects while the base fails.
#include "chunk/s3/read_cache.h"

#include <gtest/gtest.h>

#include <fstream>

#include "chunk_test_util.h"

namespace nasd::chunk {
namespace {

using testing::RandomBytes;

class ReadCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fault = std::make_unique<FaultBackend>(NewMemBackend());
    fault_ = fault.get();
    auto cache = OpenReadCache(std::move(fault), dir_.Sub("cache"), 1000);
    ASSERT_TRUE(cache.ok()) << cache.status().ToString();
    cache_ = std::move(cache).value();
  }
  std::string Read(const std::string& name, uint64_t offset = 0, uint64_t length = 1 << 20) {
    auto r = cache_->ReadObject(name, offset, length);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : "";
  }
  testutil::TempDir dir_;
  FaultBackend* fault_ = nullptr;
  std::unique_ptr<ReadCacheBackend> cache_;
};

TEST_F(ReadCacheTest, SecondReadIsAHitAndSurvivesABaseOutage) {
  const std::string data = RandomBytes(400, 1);
  ASSERT_TRUE(cache_->PutObject("a", data).ok());
  EXPECT_EQ(Read("a"), data);
  EXPECT_EQ(cache_->CacheStats().misses, 1u);
  fault_->Inject(FaultOp::kAny, FaultKind::kFail, FaultBackend::kForever);
  EXPECT_EQ(Read("a"), data);
  EXPECT_EQ(Read("a", 10, 20), data.substr(10, 20));
  EXPECT_EQ(Read("a", 400, 5), "");
  auto size = cache_->ObjectSize("a");
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 400u);
  EXPECT_EQ(cache_->CacheStats().hits, 3u);
  EXPECT_EQ(cache_->ReadObject("b", 0, 10).status().code(), Code::kIoError) << "uncached reads need the base";
}

TEST_F(ReadCacheTest, PartialReadsAreNotCached) {
  ASSERT_TRUE(cache_->PutObject("a", RandomBytes(400, 2)).ok());
  Read("a", 0, 100);   // not the whole object
  Read("a", 50, 500);  // not from the start
  EXPECT_EQ(cache_->CacheStats().objects, 0u);
  Read("a", 0, 401);
  EXPECT_EQ(cache_->CacheStats().objects, 1u);
}

TEST_F(ReadCacheTest, EvictsTheLeastRecentlyUsedAboveTheCap) {
  for (const char* n : {"a", "b", "c"}) ASSERT_TRUE(cache_->PutObject(n, RandomBytes(400, n[0])).ok());
  Read("a");
  Read("b");
  Read("a");  // a is now more recent than b
  Read("c");  // 1200 bytes > 1000: b goes
  ReadCacheStats s = cache_->CacheStats();
  EXPECT_EQ(s.objects, 2u);
  EXPECT_EQ(s.bytes, 800u);
  EXPECT_EQ(s.evictions, 1u);
  fault_->Inject(FaultOp::kRead, FaultKind::kFail, FaultBackend::kForever);
  EXPECT_EQ(Read("a"), RandomBytes(400, 'a'));
  EXPECT_EQ(Read("c"), RandomBytes(400, 'c'));
  EXPECT_FALSE(cache_->ReadObject("b", 0, 1000).ok()) << "b was evicted";
  ASSERT_TRUE(cache_->PutObject("huge", RandomBytes(2000, 9)).ok());
  fault_->Clear();
  Read("huge");
  EXPECT_EQ(cache_->CacheStats().objects, 2u) << "larger than the cap: never cached";
}

TEST_F(ReadCacheTest, PutAndDeleteDropTheCachedCopy) {
  ASSERT_TRUE(cache_->PutObject("a", "old").ok());
  EXPECT_EQ(Read("a"), "old");
  ASSERT_TRUE(cache_->PutObject("a", "new!").ok());
  EXPECT_EQ(Read("a"), "new!");
  ASSERT_TRUE(cache_->DeleteObject("a").ok());
  EXPECT_EQ(cache_->ReadObject("a", 0, 10).status().code(), Code::kNotFound);
  EXPECT_EQ(cache_->ObjectSize("a").status().code(), Code::kNotFound);
  EXPECT_EQ(cache_->CacheStats().objects, 0u);
}

TEST_F(ReadCacheTest, OpenEmptiesTheFolder) {
  ASSERT_TRUE(cache_->PutObject("a", "bytes").ok());
  Read("a");
  EXPECT_EQ(testing::CountFiles(dir_.Sub("cache")), 1u);
  auto again = OpenReadCache(NewMemBackend(), dir_.Sub("cache"), 1000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(testing::CountFiles(dir_.Sub("cache")), 0u);
  EXPECT_EQ(OpenReadCache(NewMemBackend(), dir_.Sub("x"), 0).status().code(), Code::kInvalidArgument);
}

// The cache holds framed chunks; ChunkStore verifies them on every read, so a
// cached copy damaged on disk is reported as corruption, never served.
TEST(ReadCacheChunkTest, ADamagedCachedCopyFailsTheChunkChecksums) {
  testutil::TempDir dir;
  auto opened = OpenReadCache(NewMemBackend(), dir.Sub("cache"), 16 << 20);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  ReadCacheBackend* cache = opened->get();
  ChunkStore store(std::move(opened).value());
  const std::string data = RandomBytes(300000, 9);
  auto id = store.Put(data);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ASSERT_TRUE(store.Get(*id).ok());
  ASSERT_EQ(cache->CacheStats().objects, 1u);
  {
    std::fstream f(dir.Sub("cache") + "/" + id->ToHex(), std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.is_open());
    f.seekg(1000);
    char c = 0;
    f.get(c);
    f.seekp(1000);
    f.put(static_cast<char>(c ^ 0x20));
  }
  const uint64_t hits = cache->CacheStats().hits;
  EXPECT_EQ(store.Get(*id).status().code(), Code::kCorruption);
  EXPECT_EQ(store.GetRange(*id, 0, 4000).status().code(), Code::kCorruption);
  EXPECT_GT(cache->CacheStats().hits, hits) << "the damaged copy was what the store read";
  auto far = store.GetRange(*id, 200000, 100);  // segments the damage does not touch
  ASSERT_TRUE(far.ok()) << far.status().ToString();
  EXPECT_EQ(*far, data.substr(200000, 100));
}

}  // namespace
}  // namespace nasd::chunk
