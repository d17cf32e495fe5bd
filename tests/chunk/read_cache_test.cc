// The on-disk read cache: hits, LRU eviction under the cap, invalidation,
// and reads of cached objects while the base fails.
#include "chunk/s3/read_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
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

void SetMtime(const std::string& path, int seconds_ago) {
  std::filesystem::last_write_time(path, std::filesystem::file_time_type::clock::now() -
                                             std::chrono::seconds(seconds_ago));
}

TEST_F(ReadCacheTest, ReopenServesWhatWasCachedAndDropsTemporaries) {
  const std::string a = RandomBytes(400, 'a'), b = RandomBytes(300, 'b');
  ASSERT_TRUE(cache_->PutObject("a", a).ok());
  ASSERT_TRUE(cache_->PutObject("b", b).ok());
  Read("a");
  Read("b");
  const std::string dir = dir_.Sub("cache");
  { std::ofstream(dir + "/~a.7") << "torn"; }        // a write cut short by a crash
  { std::ofstream(dir + "/.tmp.b.3") << "torn"; }    // an older version's temporary
  std::filesystem::create_directory(dir + "/junk");
  cache_.reset();

  // The bucket is unreachable after the restart: every base call fails.
  auto down = std::make_unique<FaultBackend>(NewMemBackend());
  down->Inject(FaultOp::kAny, FaultKind::kFail, FaultBackend::kForever);
  auto again = OpenReadCache(std::move(down), dir, 1000);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->CacheStats().objects, 2u);
  EXPECT_EQ((*again)->CacheStats().bytes, 700u);
  EXPECT_EQ(testing::CountFiles(dir), 2u) << "temporaries removed";
  EXPECT_FALSE(std::filesystem::exists(dir + "/junk"));
  auto got = (*again)->ReadObject("a", 0, 1 << 20);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, a);
  got = (*again)->ReadObject("b", 100, 50);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, b.substr(100, 50));
  EXPECT_FALSE((*again)->ObjectSize("a").ok()) << "a file found at open is not proof that the base holds it";
  EXPECT_EQ(OpenReadCache(NewMemBackend(), dir_.Sub("x"), 0).status().code(), Code::kInvalidArgument);
}

TEST_F(ReadCacheTest, ReopenKeepsTheMostRecentlyUsedWithinTheCap) {
  for (const char* n : {"a", "b", "c"}) ASSERT_TRUE(cache_->PutObject(n, RandomBytes(400, n[0])).ok());
  Read("a");
  Read("b");
  cache_.reset();
  const std::string dir = dir_.Sub("cache");
  SetMtime(dir + "/a", 100);
  SetMtime(dir + "/b", 200);
  auto again = OpenReadCache(NewMemBackend(), dir, 1000);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->PutObject("c", RandomBytes(400, 'c')).ok());
  ASSERT_TRUE((*again)->ReadObject("c", 0, 1000).ok());  // 1200 bytes: the oldest (b) goes
  EXPECT_TRUE(std::filesystem::exists(dir + "/a"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/b"));
  EXPECT_EQ((*again)->CacheStats().evictions, 1u);
  // A hit refreshes the file's mtime: after a's hit, a is newer than c.
  SetMtime(dir + "/a", 300);
  SetMtime(dir + "/c", 100);
  ASSERT_TRUE((*again)->ReadObject("a", 0, 1000).ok());
  again->reset();
  auto small = OpenReadCache(NewMemBackend(), dir, 500);  // room for one
  ASSERT_TRUE(small.ok());
  EXPECT_TRUE(std::filesystem::exists(dir + "/a"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/c"));
}

// Bytes of a file, with one byte flipped at offset.
void FlipByte(const std::string& path, std::streamoff offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.is_open()) << path;
  f.seekg(offset);
  char c = 0;
  f.get(c);
  f.seekp(offset);
  f.put(static_cast<char>(c ^ 0x20));
}

// A chunk store over a fault-injectable mem "bucket" behind the read cache.
class ReadCacheChunkTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    store_.reset();
    auto fault = std::make_unique<FaultBackend>(bucket_);
    fault_ = fault.get();
    auto opened = OpenReadCache(std::move(fault), dir_.Sub("cache"), 16 << 20);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    cache_ = opened->get();
    store_ = std::make_unique<ChunkStore>(std::move(opened).value());
  }
  std::string CachedFile(const ChunkId& id) { return dir_.Sub("cache") + "/" + id.ToHex(); }

  testutil::TempDir dir_;
  std::unique_ptr<Backend> bucket_owner_ = NewMemBackend();
  Backend& bucket_ = *bucket_owner_;
  FaultBackend* fault_ = nullptr;
  ReadCacheBackend* cache_ = nullptr;
  std::unique_ptr<ChunkStore> store_;
};

// The cache holds framed chunks; ChunkStore verifies them on every read. A
// cached copy damaged on disk is dropped and the bucket's copy read instead.
TEST_F(ReadCacheChunkTest, ADamagedCachedCopyIsDroppedAndReadFromTheBucket) {
  const std::string data = RandomBytes(300000, 9);
  auto id = store_->Put(data);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ASSERT_TRUE(store_->Get(*id).ok());
  ASSERT_EQ(cache_->CacheStats().objects, 1u);
  FlipByte(CachedFile(*id), 1000);
  const uint64_t hits = cache_->CacheStats().hits;
  auto got = store_->Get(*id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, data);
  EXPECT_GT(cache_->CacheStats().hits, hits) << "the damaged copy was read first";
  EXPECT_EQ(cache_->CacheStats().invalidations, 1u);
  EXPECT_EQ(store_->Stats().corruptions, 0u);
  // The refetch cached a good copy again: served with the bucket gone.
  fault_->Inject(FaultOp::kAny, FaultKind::kFail, FaultBackend::kForever);
  got = store_->Get(*id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, data);
  fault_->Clear();

  // The same through a range read (the header's and the segments' checks).
  FlipByte(CachedFile(*id), 2000);
  auto range = store_->GetRange(*id, 0, 4000);
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  EXPECT_EQ(*range, data.substr(0, 4000));
  EXPECT_EQ(cache_->CacheStats().invalidations, 2u);
}

TEST_F(ReadCacheChunkTest, ADamagedCachedCopyIsNeverServedWhenTheBucketFails) {
  const std::string data = RandomBytes(300000, 10);
  auto id = store_->Put(data);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ASSERT_TRUE(store_->Get(*id).ok());
  FlipByte(CachedFile(*id), 1000);
  fault_->Inject(FaultOp::kRead, FaultKind::kFail, FaultBackend::kForever);
  EXPECT_EQ(store_->Get(*id).status().code(), Code::kIoError) << "unreachable: the bucket's error";
  fault_->Clear();
  ASSERT_TRUE(store_->Get(*id).ok()) << "the bucket answers again";

  FlipByte(CachedFile(*id), 1000);
  fault_->Inject(FaultOp::kRead, FaultKind::kCorrupt, FaultBackend::kForever);
  EXPECT_EQ(store_->Get(*id).status().code(), Code::kCorruption) << "both copies damaged";
  EXPECT_EQ(store_->Stats().corruptions, 1u);
  fault_->Clear();
  auto got = store_->Get(*id);  // the damaged copy cached from the bucket is dropped in turn
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, data);
}

// A chunk cached before a restart reads back with the bucket down; but the
// cache never convinces a put that the bucket holds a chunk it lost.
TEST_F(ReadCacheChunkTest, ARestartKeepsCachedChunksButPutsStillReachTheBucket) {
  const std::string data = RandomBytes(300000, 11);
  auto id = store_->Put(data);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ASSERT_TRUE(store_->Get(*id).ok());
  Open();
  fault_->Inject(FaultOp::kAny, FaultKind::kFail, FaultBackend::kForever);
  auto got = store_->Get(*id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, data);
  fault_->Clear();

  ASSERT_TRUE(bucket_.DeleteObject(id->ToHex()).ok());  // collected while the cache was closed
  Open();
  ASSERT_TRUE(store_->Put(data).ok());
  EXPECT_TRUE(bucket_.ObjectSize(id->ToHex()).ok()) << "the put wrote the chunk to the bucket again";
}

}  // namespace
}  // namespace nasd::chunk
