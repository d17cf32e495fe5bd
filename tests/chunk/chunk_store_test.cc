// The ChunkStore contract, run against every backend (mem, local, fault-wrapped
// mem with no faults armed, mem behind a read cache, S3 on a real s3rver).
#include "chunk/chunk_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <set>
#include <thread>
#include <vector>

#include "chunk/chunk_format.h"
#include "chunk_test_util.h"

namespace nasd::chunk {
namespace {

using testing::RandomBytes;

template <typename Factory>
class ChunkStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = factory_.Make();
    ASSERT_NE(store_, nullptr);
  }

  ChunkId MustPut(std::string_view data) {
    Result<ChunkId> id = store_->Put(data);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : ChunkId();
  }

  Factory factory_;
  std::unique_ptr<ChunkStore> store_;
};

struct FactoryName {
  template <typename F>
  static std::string GetName(int) {
    return F::kName;
  }
};

using Factories = ::testing::Types<testing::MemStoreFactory, testing::LocalStoreFactory,
                                   testing::FaultMemStoreFactory, testing::CachedMemStoreFactory,
                                   testing::S3StoreFactory>;
TYPED_TEST_SUITE(ChunkStoreTest, Factories, FactoryName);

TYPED_TEST(ChunkStoreTest, RoundTripsEverySizeClass) {
  const std::vector<size_t> sizes = {0, 1, 65535, 65536, 65537, 4 << 20};
  for (size_t size : sizes) {
    SCOPED_TRACE(size);
    const std::string data = RandomBytes(size, size + 1);
    const ChunkId id = this->MustPut(data);
    EXPECT_EQ(id, ChunkId::Of(data));
    Result<std::string> got = this->store_->Get(id);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, data);
  }
  EXPECT_EQ(this->store_->Usage().chunks, sizes.size());
}

TYPED_TEST(ChunkStoreTest, IdIsSha256OfTheBytes) {
  EXPECT_EQ(this->MustPut("abc").ToHex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(this->MustPut("").ToHex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TYPED_TEST(ChunkStoreTest, PutIsIdempotent) {
  const std::string data = RandomBytes(100000, 7);
  const ChunkId a = this->MustPut(data);
  const ChunkId b = this->MustPut(data);
  EXPECT_EQ(a, b);
  EXPECT_EQ(this->store_->Usage().chunks, 1u);
  EXPECT_EQ(this->store_->Usage().bytes, format::FrameSizeFor(data.size()));
  EXPECT_EQ(this->store_->Stats().puts, 2u);
}

TYPED_TEST(ChunkStoreTest, HasAndDelete) {
  const ChunkId id = this->MustPut("hello");
  Result<bool> has = this->store_->Has(id);
  ASSERT_TRUE(has.ok());
  EXPECT_TRUE(*has);
  ASSERT_TRUE(this->store_->Delete(id).ok());
  has = this->store_->Has(id);
  ASSERT_TRUE(has.ok());
  EXPECT_FALSE(*has);
  EXPECT_TRUE(this->store_->Delete(id).ok()) << "deleting an absent chunk is ok";
  EXPECT_EQ(this->store_->Usage().chunks, 0u);
  EXPECT_EQ(this->store_->Usage().bytes, 0u);
}

TYPED_TEST(ChunkStoreTest, DataLengthIsTheUnframedSize) {
  for (size_t size : {size_t{0}, size_t{5}, size_t{65536}, size_t{(1 << 20) + 3}}) {
    const ChunkId id = this->MustPut(RandomBytes(size, size));
    Result<uint64_t> n = this->store_->DataLength(id);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(*n, size);
  }
  EXPECT_EQ(this->store_->DataLength(ChunkId::Of("never stored")).status().code(), Code::kNotFound);
}

TYPED_TEST(ChunkStoreTest, AbsentChunkIsNotFound) {
  const ChunkId id = ChunkId::Of("never stored");
  EXPECT_EQ(this->store_->Get(id).status().code(), Code::kNotFound);
  EXPECT_EQ(this->store_->GetRange(id, 0, 10).status().code(), Code::kNotFound);
  EXPECT_EQ(this->store_->Stats().errors, 0u);
}

TYPED_TEST(ChunkStoreTest, GetRangeAtSegmentBoundariesAndClipped) {
  constexpr uint64_t kSeg = format::kSegmentSize;
  const std::string data = RandomBytes(3 * kSeg + 100, 11);
  const ChunkId id = this->MustPut(data);
  struct Case {
    uint64_t offset, length;
  };
  const uint64_t n = data.size();
  const std::vector<Case> cases = {
      {0, 0},          {0, 1},
      {kSeg - 1, 2},   {kSeg, kSeg},
      {kSeg - 1, 1},   {kSeg, 1},
      {3 * kSeg, 100}, {3 * kSeg + 50, 1000},
      {n - 1, 1},      {n, 10},
      {n, 0},          {0, n},
      {1, kSeg * 2},   {0, std::numeric_limits<uint64_t>::max()},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "offset " << c.offset << " length " << c.length);
    Result<std::string> got = this->store_->GetRange(id, c.offset, c.length);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, data.substr(c.offset, c.length));
  }
}

TYPED_TEST(ChunkStoreTest, GetRangeOfSmallAndEmptyChunks) {
  const ChunkId small = this->MustPut("0123456789");
  Result<std::string> got = this->store_->GetRange(small, 3, 4);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "3456");
  const ChunkId empty = this->MustPut("");
  got = this->store_->GetRange(empty, 0, 10);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "");
  EXPECT_EQ(this->store_->GetRange(empty, 1, 1).status().code(), Code::kOutOfRange);
}

TYPED_TEST(ChunkStoreTest, OffsetBeyondLengthIsOutOfRange) {
  const std::string data = RandomBytes(70000, 3);
  const ChunkId id = this->MustPut(data);
  EXPECT_EQ(this->store_->GetRange(id, data.size() + 1, 1).status().code(), Code::kOutOfRange);
  EXPECT_EQ(this->store_->GetRange(id, std::numeric_limits<uint64_t>::max(), 1).status().code(),
            Code::kOutOfRange);
}

TYPED_TEST(ChunkStoreTest, ListReturnsExactlyThePutIds) {
  std::set<ChunkId> want;
  for (int i = 0; i < 20; ++i) want.insert(this->MustPut(RandomBytes(1000 + i, 100 + i)));
  this->MustPut(RandomBytes(1000, 100));            // a duplicate adds nothing
  ASSERT_TRUE(this->store_->CheckWritable().ok());  // its probe is never listed
  std::set<ChunkId> got;
  ASSERT_TRUE(this->store_
                  ->List([&](const ChunkId& id) {
                    EXPECT_TRUE(got.insert(id).second) << "listed twice: " << id.ToHex();
                    return true;
                  })
                  .ok());
  EXPECT_EQ(got, want);

  int visited = 0;
  ASSERT_TRUE(this->store_->List([&](const ChunkId&) { return ++visited < 3; }).ok());
  EXPECT_EQ(visited, 3) << "returning false stops the listing";
}

TYPED_TEST(ChunkStoreTest, UsageCountsFramedBytes) {
  EXPECT_EQ(this->store_->Usage().chunks, 0u);
  uint64_t bytes = 0;
  std::vector<ChunkId> ids;
  for (size_t size : {size_t{0}, size_t{10}, size_t{200000}}) {
    ids.push_back(this->MustPut(RandomBytes(size, size)));
    bytes += format::FrameSizeFor(size);
  }
  EXPECT_EQ(this->store_->Usage().chunks, 3u);
  EXPECT_EQ(this->store_->Usage().bytes, bytes);
  ASSERT_TRUE(this->store_->Delete(ids[2]).ok());
  EXPECT_EQ(this->store_->Usage().chunks, 2u);
  EXPECT_EQ(this->store_->Usage().bytes, bytes - format::FrameSizeFor(200000));
  ASSERT_TRUE(this->store_->CheckWritable().ok());
  EXPECT_EQ(this->store_->Usage().chunks, 2u) << "the probe is removed again";
}

TYPED_TEST(ChunkStoreTest, ConcurrentPutsOfTheSameChunk) {
  const std::string data = RandomBytes(1 << 20, 99);
  const ChunkId want = ChunkId::Of(data);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      Result<ChunkId> id = this->store_->Put(data);
      if (id.ok() && *id == want) ok.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(this->store_->Usage().chunks, 1u);
  EXPECT_EQ(this->store_->Usage().bytes, format::FrameSizeFor(data.size()));
  Result<std::string> got = this->store_->Get(want);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, data);
}

TYPED_TEST(ChunkStoreTest, EveryPutPathStoresTheSameChunks) {
  const std::vector<size_t> sizes = {0, 1, 65536, 300000, 4 << 20};
  for (const ChunkStoreOptions& options :
       {testing::HashFirstOptions(), testing::OverlappedOptions(1), testing::OverlappedOptions(4),
        ChunkStoreOptions{}}) {
    SCOPED_TRACE(::testing::Message() << "hash_threads " << options.hash_threads
                                      << " overlap_min_size " << options.overlap_min_size);
    TypeParam factory;  // a fresh backend for each way
    std::unique_ptr<ChunkStore> store = factory.Make(options);
    ASSERT_NE(store, nullptr);
    uint64_t bytes = 0;
    for (size_t size : sizes) {
      const std::string data = RandomBytes(size, size + 5);
      Result<ChunkId> id = store->Put(data);
      ASSERT_TRUE(id.ok()) << id.status().ToString();
      EXPECT_EQ(*id, ChunkId::Of(data));
      Result<std::string> got = store->Get(*id);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_TRUE(*got == data);
      ASSERT_TRUE(store->Put(data).ok()) << "a re-put deduplicates";
      bytes += format::FrameSizeFor(size);
    }
    EXPECT_EQ(store->Usage().chunks, sizes.size());
    EXPECT_EQ(store->Usage().bytes, bytes);
    EXPECT_EQ(store->Stats().puts, 2 * sizes.size());
  }
}

TYPED_TEST(ChunkStoreTest, ConcurrentPutsShareASmallHashPool) {
  TypeParam factory;
  std::unique_ptr<ChunkStore> store = factory.Make(testing::OverlappedOptions(1));
  ASSERT_NE(store, nullptr);
  std::atomic<int> right{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 8; ++i) {
        const std::string data = RandomBytes(100000 + 1000 * i, 1000 * t + i);
        Result<ChunkId> id = store->Put(data);
        if (!id.ok() || *id != ChunkId::Of(data)) continue;
        Result<std::string> got = store->Get(*id);
        if (got.ok() && *got == data) right.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(right.load(), 32);
  EXPECT_EQ(store->Usage().chunks, 32u);
}

TYPED_TEST(ChunkStoreTest, TooLargeChunkIsRejected) {
  const std::string data(ChunkStore::kMaxChunkSize + 1, 'x');
  EXPECT_EQ(this->store_->Put(data).status().code(), Code::kTooLarge);
  EXPECT_EQ(this->store_->Usage().chunks, 0u);
}

TYPED_TEST(ChunkStoreTest, StatsCountSuccessfulCalls) {
  const ChunkId id = this->MustPut("stats");
  ASSERT_TRUE(this->store_->Get(id).ok());
  ASSERT_TRUE(this->store_->GetRange(id, 1, 2).ok());
  const ChunkStoreStats stats = this->store_->Stats();
  EXPECT_EQ(stats.puts, 1u);
  EXPECT_EQ(stats.gets, 2u);
  EXPECT_EQ(stats.corruptions, 0u);
  EXPECT_EQ(stats.errors, 0u);
}

TEST(ChunkStoreListTest, SkipsObjectsThatAreNotChunks) {
  std::unique_ptr<Backend> backend = NewMemBackend();
  ASSERT_TRUE(backend->PutObject("probe.0123456789abcdef", "left by a crash").ok());
  ASSERT_TRUE(backend->PutObject(std::string(64, 'g'), "not hex").ok());
  ChunkStore store(std::move(backend));
  const ChunkId id = *store.Put("chunk");
  std::vector<ChunkId> listed;
  ASSERT_TRUE(store
                  .List([&](const ChunkId& c) {
                    listed.push_back(c);
                    return true;
                  })
                  .ok());
  EXPECT_EQ(listed, std::vector<ChunkId>{id});
}

TEST(ChunkIdTest, HexRoundTripIsStrict) {
  const ChunkId id = ChunkId::Of("abc");
  Result<ChunkId> parsed = ChunkId::FromHex(id.ToHex());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, id);
  std::string upper = id.ToHex();
  upper[0] = 'B';
  EXPECT_EQ(ChunkId::FromHex(upper).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ChunkId::FromHex(id.ToHex().substr(1)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ChunkId::FromHex(id.ToHex() + "0").status().code(), Code::kInvalidArgument);
  std::string bad = id.ToHex();
  bad[63] = 'g';
  EXPECT_EQ(ChunkId::FromHex(bad).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ChunkId::FromHex("probe.0123").status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace nasd::chunk
