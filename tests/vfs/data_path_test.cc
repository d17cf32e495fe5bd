// The chunked data path (data/, write_back.h): block maps, holes, the inline
// form and its transitions, chunk reference counts, buffered writes and their
// durability, temp files, the read cache. Typed over (KV, chunk backend):
// in-memory KV with in-memory chunks, RocksDB with chunks on local disk,
// RocksDB with chunks in S3 (s3rver).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <thread>

#include "chunk/local/local_backend.h"
#include "chunk/mem/mem_backend.h"
#include "kv/engine_factories.h"
#include "meta/keys.h"
#include "meta/share_store.h"
#include "meta/snapshot_store.h"
#include "testutil/temp_dir.h"
#include "vfs/data/layout.h"
#include "vfs/filesystem.h"
#include "vfs/s3_chunks.h"
#include "vfs/share_mounts.h"
#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {
namespace {

constexpr uint64_t kBs = kTestBlockSize;

struct MemStack {
  kv::testing::MemFactory kv;
  static std::unique_ptr<chunk::Backend> Backend(const testutil::TempDir&) {
    return chunk::NewMemBackend();
  }
};
struct DiskStack {
  kv::testing::RocksDbFactory kv;
  static std::unique_ptr<chunk::Backend> Backend(const testutil::TempDir& dir) {
    auto b = chunk::OpenLocalBackend(dir.Sub("chunks"));
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return std::move(b).value();
  }
};

struct S3Stack {
  kv::testing::RocksDbFactory kv;
  static std::unique_ptr<chunk::Backend> Backend(const testutil::TempDir&) { return NewS3ChunkBackend(); }
};

struct StackNames {
  template <typename T>
  static std::string GetName(int) {
    if constexpr (std::is_same_v<T, S3Stack>) return "RocksDbS3Chunks";
    return std::is_same_v<T, MemStack> ? "MemKvMemChunks" : "RocksDbLocalChunks";
  }
};

template <typename Stack>
class DataPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = stack_.kv.Open();
    ASSERT_NE(kv_, nullptr);
    chunks_ = std::make_unique<chunk::ChunkStore>(Stack::Backend(dir_),
                                                  chunk::ChunkStoreOptions{.hash_threads = 0});
    ASSERT_TRUE(meta::ShareStore(*kv_).Create("docs").ok());
    Mount();
  }

  void Mount(FilesystemOptions options = {}) {
    options.block_size = kBs;
    auto fs = Filesystem::Open(*kv_, *chunks_, "docs", options);
    ASSERT_TRUE(fs.ok()) << fs.status().ToString();
    fs_ = std::move(fs).value();
  }

  // Remounts with a write budget of bytes and no background flush.
  FilesystemOptions MountWithBudget(uint64_t bytes) {
    FilesystemOptions options;
    options.dirty_budget = std::make_shared<DirtyBudget>(bytes);
    options.flush_after = std::chrono::hours(1);
    fs_.reset();
    Mount(options);
    return options;
  }

  uint64_t NewFile(std::string_view name) {
    auto made = fs_->Create(root_caller, fs_->root(), name, 0644, true);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? made->attr.ino : 0;
  }
  void Put(uint64_t ino, uint64_t off, std::string_view data) {
    auto w = fs_->Write(root_caller, ino, off, data);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
  }
  std::string Get(uint64_t ino, uint64_t off, uint64_t len) {
    auto r = fs_->Read(ino, off, len);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::string();
  }
  void Truncate(uint64_t ino, uint64_t size) {
    SetAttrRequest req;
    req.size = size;
    auto r = fs_->SetAttr(root_caller, ino, req);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  // chunk id (raw) -> reference count, from the KV.
  std::map<std::string, uint64_t> Refs() {
    std::map<std::string, uint64_t> out;
    auto it = kv_->NewIterator(kv::Range::Prefix(meta::keys::kChunkRefPrefix));
    for (; it->Valid(); it->Next()) {
      uint64_t n = 0;
      meta::keys::ReadU64(it->value(), n);
      out[std::string(it->key().substr(1))] = n;
    }
    return out;
  }
  uint64_t CountKeys(std::string_view prefix) {
    uint64_t n = 0;
    for (auto it = kv_->NewIterator(kv::Range::Prefix(prefix)); it->Valid(); it->Next()) ++n;
    return n;
  }
  static std::string Pattern(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>('a' + rng() % 26);
    return s;
  }

  const Caller root_caller = Caller::Root();
  testutil::TempDir dir_;
  Stack stack_;
  std::unique_ptr<kv::KvEngine> kv_;
  std::unique_ptr<chunk::ChunkStore> chunks_;
  std::unique_ptr<Filesystem> fs_;
};

using Stacks = ::testing::Types<MemStack, DiskStack, S3Stack>;
TYPED_TEST_SUITE(DataPathTest, Stacks, StackNames);

TYPED_TEST(DataPathTest, MultiBlockFileReadsBackAcrossBoundaries) {
  uint64_t f = this->NewFile("big");
  std::string data = this->Pattern(3 * kBs + 777, 1);
  // Odd-sized writes so that blocks are completed across several calls.
  for (size_t off = 0; off < data.size(); off += 50'000) {
    this->Put(f, off, std::string_view(data).substr(off, 50'000));
  }
  EXPECT_EQ(this->fs_->GetAttr(f)->size, data.size());  // buffered, visible
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  EXPECT_EQ(this->Get(f, 0, data.size() + 10), data);
  EXPECT_EQ(this->Get(f, kBs - 5, 10), data.substr(kBs - 5, 10));
  EXPECT_EQ(this->Get(f, 3 * kBs, 1000), data.substr(3 * kBs));
  EXPECT_EQ(this->CountKeys(meta::keys::kChunkRefPrefix), 4u);  // 4 distinct blocks
}

TYPED_TEST(DataPathTest, HolesReadAsZerosAndCostNoChunks) {
  uint64_t f = this->NewFile("sparse");
  this->Put(f, 10 * kBs + 3, "tail");
  this->Put(f, kBs, std::string(kBs, '\0'));  // an explicitly written zero block
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  EXPECT_EQ(this->fs_->GetAttr(f)->size, 10 * kBs + 7);
  EXPECT_EQ(this->Get(f, 0, 2 * kBs), std::string(2 * kBs, '\0'));
  EXPECT_EQ(this->Get(f, 10 * kBs, 7), std::string("\0\0\0tail", 7));
  EXPECT_EQ(this->Refs().size(), 1u);  // only the tail's block is stored
}

// A read of a few blocks finds their records one by one, a longer one (or
// any read once the share had a snapshot) scans them: both plan alike.
TYPED_TEST(DataPathTest, PointReadsAndScansOfTheBlockMapPlanAlike) {
  uint64_t f = this->NewFile("sparse");
  for (uint64_t b : {0, 1, 3, 6, 7, 12, 20}) this->Put(f, b * kBs, this->Pattern(kBs, b));
  this->Put(f, 21 * kBs, "end");
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  const std::vector<std::pair<uint64_t, uint64_t>> reads{
      {0, 1}, {kBs - 1, 2}, {2 * kBs, kBs}, {5 * kBs + 9, 3 * kBs}, {8 * kBs, 4 * kBs + 1},
      {11 * kBs, 10 * kBs}, {19 * kBs, 3 * kBs}, {21 * kBs + 1, 100}, {0, 22 * kBs}};
  auto plans = [&] {
    std::vector<std::string> out;
    for (auto [offset, length] : reads) {
      auto plan = this->fs_->MapRead(f, offset, length);
      EXPECT_TRUE(plan.ok()) << plan.status().ToString();
      if (!plan.ok()) return out;
      std::string desc;
      for (const data::ReadPiece& p : plan->pieces) {
        desc += fmt::format("{}:{}+{}@{}:{} ", static_cast<int>(p.kind), p.file_offset, p.length,
                            p.chunk_id, p.chunk_offset);
      }
      desc += fmt::format("| {} following:", plan->following.size());
      for (const std::string& id : plan->following) desc += id;
      out.push_back(desc);
    }
    return out;
  };
  const std::vector<std::string> by_points = plans();
  // Block 2 is a hole; blocks 3 and 6 follow it within the readahead.
  EXPECT_EQ(by_points[2].substr(0, 17), "0:262144+131072@:");
  EXPECT_NE(by_points[2].find("| 2 following:"), std::string::npos);
  meta::SnapshotStore snapshots(*this->kv_, this->fs_->share_id());
  ASSERT_TRUE(snapshots.Create("s").ok());
  EXPECT_EQ(plans(), by_points);
}

// ReadShared hands out the same bytes as Read, by reference: the parts of a
// cached chunk point into the cache's copy, so two reads share the memory.
TYPED_TEST(DataPathTest, SharedReadsReferenceTheCacheAndMatchRead) {
  uint64_t f = this->NewFile("mixed");
  const std::string data = this->Pattern(2 * kBs + 99, 7);
  this->Put(f, 0, data);
  this->Put(f, 5 * kBs, "far");  // a hole of blocks 3 and 4 in between
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  const uint64_t size = 5 * kBs + 3;
  for (auto [off, len] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, size}, {kBs - 3, 7}, {2 * kBs + 50, 3 * kBs}, {size - 1, 10}, {size, 4}}) {
    auto shared = this->fs_->ReadShared(f, off, len);
    ASSERT_TRUE(shared.ok()) << shared.status().ToString();
    EXPECT_EQ(shared->Flatten(), this->Get(f, off, len)) << off << "+" << len;
    uint64_t sum = 0;
    for (const auto& part : shared->parts) sum += part.bytes.size();
    EXPECT_EQ(sum, shared->size);
  }
  auto a = this->fs_->ReadShared(f, 10, 100);
  auto b = this->fs_->ReadShared(f, 10, 100);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->parts.size(), 1u);
  ASSERT_EQ(b->parts.size(), 1u);
  EXPECT_EQ(a->parts[0].bytes.data(), b->parts[0].bytes.data()) << "both reads should view the cached chunk";
  // Inline files work too.
  uint64_t small = this->NewFile("small");
  this->Put(small, 0, "inline bytes");
  ASSERT_TRUE(this->fs_->Fsync(small).ok());
  auto in = this->fs_->ReadShared(small, 2, 100);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->Flatten(), "line bytes");
}

TYPED_TEST(DataPathTest, HugeOffsetsWorkSparselyAndPastTheLimitFailWithEfbig) {
  uint64_t f = this->NewFile("huge");
  this->Put(f, (1ULL << 40) - 1, "x");  // 1 TiB file
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  EXPECT_EQ(this->fs_->GetAttr(f)->size, 1ULL << 40);
  EXPECT_EQ(this->Get(f, (1ULL << 40) - 2, 10), std::string("\0x", 2));
  EXPECT_EQ(this->fs_->Write(this->root_caller, f, kMaxFileSize, "x").status().code(),
            Code::kTooLarge);
  SetAttrRequest req;
  req.size = kMaxFileSize + 1;
  EXPECT_EQ(this->fs_->SetAttr(this->root_caller, f, req).status().code(), Code::kTooLarge);
  EXPECT_EQ(this->Get(f, 0, 1ULL << 40).size(), kMaxReadSize);  // one read is bounded
}

TYPED_TEST(DataPathTest, InlineAndBlockFormsConvertBothWays) {
  uint64_t f = this->NewFile("f");
  std::string small = this->Pattern(1000, 2);
  this->Put(f, 0, small);
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  EXPECT_TRUE(this->Refs().empty());  // inline: no chunks
  // Growing past the inline limit moves the old bytes into block 0.
  this->Put(f, data::kInlineMax + 10, "z");
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  std::string want = small + std::string(data::kInlineMax + 10 - small.size(), '\0') + "z";
  EXPECT_EQ(this->Get(f, 0, 1 << 20), want);
  EXPECT_EQ(this->Refs().size(), 1u);
  // Truncating back into the inline form keeps the first bytes, frees the chunk.
  this->Truncate(f, 500);
  EXPECT_EQ(this->Get(f, 0, 1 << 20), small.substr(0, 500));
  EXPECT_TRUE(this->Refs().empty());
  // Truncate up from inline to blocks: zeros, no stale bytes.
  this->Truncate(f, 3 * kBs);
  std::string grown = small.substr(0, 500) + std::string(3 * kBs - 500, '\0');
  EXPECT_EQ(this->Get(f, 0, 4 * kBs), grown);
}

TYPED_TEST(DataPathTest, TruncateDownShortensTheLastBlockWithoutStaleBytes) {
  uint64_t f = this->NewFile("f");
  std::string data = this->Pattern(4 * kBs, 3);
  this->Put(f, 0, data);
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  this->Truncate(f, kBs + 100);
  EXPECT_EQ(this->Refs().size(), 2u);
  this->Truncate(f, 3 * kBs);  // the cut bytes must come back as zeros
  std::string want = data.substr(0, kBs + 100) + std::string(2 * kBs - 100, '\0');
  EXPECT_EQ(this->Get(f, 0, 4 * kBs), want);
}

TYPED_TEST(DataPathTest, ReferenceCountsFollowDedupOverwriteAndDelete) {
  std::string block = this->Pattern(kBs, 4);
  uint64_t a = this->NewFile("a");
  uint64_t b = this->NewFile("b");
  this->Put(a, 0, block + block + "x");  // two identical blocks in one file
  this->Put(b, kBs, block);
  ASSERT_TRUE(this->fs_->FlushAll().ok());
  auto refs = this->Refs();
  const std::string id(reinterpret_cast<const char*>(chunk::ChunkId::Of(block).bytes().data()), 32);
  EXPECT_EQ(refs[id], 3u);
  this->Put(a, 0, "changed");  // overwriting part of a block drops one reference
  ASSERT_TRUE(this->fs_->Fsync(a).ok());
  EXPECT_EQ(this->Refs()[id], 2u);
  ASSERT_TRUE(this->fs_->Unlink(this->root_caller, this->fs_->root(), "b").ok());
  EXPECT_EQ(this->Refs()[id], 1u);
  ASSERT_TRUE(this->fs_->Unlink(this->root_caller, this->fs_->root(), "a").ok());
  EXPECT_TRUE(this->Refs().empty());
  // Every chunk that lost its last reference is on the collector's list.
  EXPECT_EQ(this->CountKeys(meta::keys::kZeroRefPrefix), 3u);
  EXPECT_EQ(this->CountKeys(meta::keys::ShareDataPrefix(this->fs_->share_id()) + "B"), 0u);
}

TYPED_TEST(DataPathTest, FsyncedDataSurvivesARemountAndUnsyncedIsCommittedOnClose) {
  uint64_t f = this->NewFile("f");
  uint64_t g = this->NewFile("g");
  std::string data = this->Pattern(2 * kBs + 5, 5);
  this->Put(f, 0, data);
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  this->Put(g, 0, "later");
  this->fs_.reset();  // closing commits g's buffer
  this->Mount();
  EXPECT_EQ(this->Get(f, 0, 1 << 20), data);
  EXPECT_EQ(this->Get(g, 0, 100), "later");
}

TYPED_TEST(DataPathTest, BackgroundFlusherCommitsOldBuffers) {
  FilesystemOptions options;
  options.flush_after = std::chrono::milliseconds(50);
  this->fs_.reset();
  this->Mount(options);
  uint64_t f = this->NewFile("f");
  this->Put(f, 0, "soon durable");
  // Read the KV directly (not through the Filesystem, which would flush).
  const std::string key = meta::keys::InlineDataBase(this->fs_->share_id(), f);
  for (int i = 0; i < 200 && this->CountKeys(key) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(this->CountKeys(key), 1u);
}

TYPED_TEST(DataPathTest, BudgetMakesWritersFlushTheirOwnBuffers) {
  const FilesystemOptions options = this->MountWithBudget(kBs);
  uint64_t f = this->NewFile("f");
  // Partial blocks only (every other 1000 bytes), so nothing is stored early.
  for (uint64_t off = 0; off < 4 * kBs; off += 2000) this->Put(f, off, std::string(1000, 'q'));
  EXPECT_LE(options.dirty_budget->used(), static_cast<int64_t>(kBs + kBs));
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  EXPECT_EQ(options.dirty_budget->used(), 0);
  EXPECT_EQ(this->Get(f, 2000, 1001), std::string(1000, 'q') + std::string(1, '\0'));
}

// A nowait write (NFS tries small WRITEs on its network thread) buffers what
// needs no wait and refuses, changing nothing, what would store a block, read
// one back or go over the budget.
TYPED_TEST(DataPathTest, NowaitWritesBufferOrRefuseWithoutAChange) {
  const FilesystemOptions options = this->MountWithBudget(kBs);
  Filesystem& fs = *this->fs_;
  const uint64_t f = this->NewFile("f");
  EXPECT_FALSE(fs.HasBuffered(f));
  auto nowait = [&](uint64_t off, std::string_view data) {
    return fs.Write(this->root_caller, f, off, data, nullptr, /*nowait=*/true);
  };
  ASSERT_TRUE(nowait(0, "abc").ok());
  EXPECT_TRUE(fs.HasBuffered(f));
  EXPECT_EQ(nowait(3, std::string(kBs - 3, 'x')).status().code(), Code::kWouldBlock) << "completes block 0";
  EXPECT_EQ(nowait(kBs - 10, std::string(20, 'y')).status().code(), Code::kWouldBlock) << "crosses into block 1";
  EXPECT_EQ(nowait(2 * kBs, std::string(kBs, 'z')).status().code(), Code::kWouldBlock) << "a whole block";
  EXPECT_EQ(nowait(3 * kBs + 1, std::string(kBs - 2, 'w')).status().code(), Code::kWouldBlock)
      << "over the budget with what is buffered";
  auto attr = fs.GetAttr(f);
  ASSERT_TRUE(attr.ok());
  EXPECT_EQ(attr->size, 3u) << "the refused writes changed nothing";

  ASSERT_TRUE(fs.Fsync(f).ok());
  EXPECT_FALSE(fs.HasBuffered(f));
  EXPECT_EQ(options.dirty_budget->used(), 0);
  this->Put(f, 0, std::string(kBs, 'a'));  // block 0 stored as a chunk, not committed yet
  EXPECT_EQ(nowait(5, "b").status().code(), Code::kWouldBlock) << "rewriting a block being stored";
  ASSERT_TRUE(fs.Fsync(f).ok());
  ASSERT_TRUE(nowait(5, "b").ok()) << "a committed block is merged at the flush, not read now";
  EXPECT_EQ(this->Get(f, 0, 8), "aaaaabaa");
  const uint64_t g = this->NewFile("g");
  EXPECT_EQ(nowait(0, "").status().code(), Code::kOk) << "an empty write";
  ASSERT_TRUE(fs.Write(this->root_caller, g, 10, "tail", nullptr, true).ok());
  EXPECT_EQ(this->Get(g, 10, 4), "tail");
}

// A nowait read (NFS tries small READs on its network thread) answers from
// memory or refuses without reading: buffered writes would need a flush, a
// chunk that is not cached a fetch from the store.
TYPED_TEST(DataPathTest, NowaitReadsAnswerFromMemoryOrRefuse) {
  Filesystem& fs = *this->fs_;
  auto nowait = [&](uint64_t ino, uint64_t off, uint64_t len) -> Result<std::string> {
    auto r = fs.ReadShared(ino, off, len, /*nowait=*/true);
    if (!r.ok()) return r.status();
    return r->Flatten();
  };
  const uint64_t f = this->NewFile("f");
  const std::string data = this->Pattern(2 * kBs, 3);
  this->Put(f, 0, data);
  EXPECT_EQ(nowait(f, 0, 10).status().code(), Code::kWouldBlock) << "buffered writes to flush";
  EXPECT_TRUE(fs.HasBuffered(f)) << "a refused read flushes nothing";
  ASSERT_TRUE(fs.Fsync(f).ok());
  EXPECT_EQ(nowait(f, kBs + 5, 10).status().code(), Code::kWouldBlock) << "block 1 is not cached";
  EXPECT_EQ(this->Get(f, kBs, 10), data.substr(kBs, 10));  // a random read: the cache stays cold
  EXPECT_EQ(nowait(f, kBs + 5, 10).status().code(), Code::kWouldBlock);
  EXPECT_EQ(this->Get(f, 0, 10), data.substr(0, 10));  // sequential from 0: block 0 is cached
  auto hit = nowait(f, 5, 10);
  ASSERT_TRUE(hit.ok()) << hit.status().ToString();
  EXPECT_EQ(*hit, data.substr(5, 10));

  const uint64_t g = this->NewFile("g");  // inline bytes and a hole: nothing to fetch
  this->Put(g, 0, "small");
  ASSERT_TRUE(fs.Fsync(g).ok());
  auto small = nowait(g, 0, 100);
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(*small, "small");
  this->Truncate(g, 3 * kBs);
  auto hole = nowait(g, 2 * kBs, 4);
  ASSERT_TRUE(hole.ok()) << hole.status().ToString();
  EXPECT_EQ(*hole, std::string(4, '\0'));
}

TYPED_TEST(DataPathTest, TempFilesPublishAtomicallyAndDropWithoutTrace) {
  uint64_t old = this->NewFile("doc");
  this->Put(old, 0, "old contents");
  ASSERT_TRUE(this->fs_->Fsync(old).ok());
  const Attr root = this->fs_->GetAttr(this->fs_->root()).value();
  auto tmp = this->fs_->CreateTemp(this->root_caller, root, 0640);
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString();
  std::string data = this->Pattern(3 * kBs + 9, 6);
  this->Put(tmp->ino, 0, data);
  // Invisible until published: the old file is intact, the name unchanged.
  EXPECT_EQ(this->Get(old, 0, 100), "old contents");
  EXPECT_EQ(this->fs_->GetAttr(tmp->ino).status().code(), Code::kStale);
  auto pub = this->fs_->PublishTemp(this->root_caller, tmp->ino, this->fs_->root(), "doc");
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_EQ(pub->size, data.size());
  EXPECT_EQ(pub->nlink, 1u);
  EXPECT_EQ(pub->mode, 0640u);
  auto found = this->fs_->Lookup(this->root_caller, this->fs_->root(), "doc");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->ino, tmp->ino);
  EXPECT_EQ(this->Get(found->ino, 0, 1 << 20), data);
  EXPECT_EQ(this->fs_->GetAttr(old).status().code(), Code::kStale);  // replaced
  EXPECT_EQ(this->fs_->PublishTemp(this->root_caller, tmp->ino, this->fs_->root(), "x").status().code(),
            Code::kInvalidArgument);

  auto dropped = this->fs_->CreateTemp(this->root_caller, root, 0644);
  ASSERT_TRUE(dropped.ok());
  this->Put(dropped->ino, 0, "never seen");
  ASSERT_TRUE(this->fs_->DropTemp(dropped->ino).ok());
  EXPECT_EQ(this->fs_->Write(this->root_caller, dropped->ino, 0, "x").status().code(), Code::kStale);
  ASSERT_TRUE(this->fs_->Mkdir(this->root_caller, this->fs_->root(), "dir", 0755).ok());
  auto onto_dir = this->fs_->CreateTemp(this->root_caller, root, 0644);
  ASSERT_TRUE(onto_dir.ok());
  EXPECT_EQ(this->fs_->PublishTemp(this->root_caller, onto_dir->ino, this->fs_->root(), "dir")
                .status()
                .code(),
            Code::kIsDirectory);
  // A temp file needs write permission on its directory.
  auto closed = this->fs_->Mkdir(this->root_caller, this->fs_->root(), "closed", 0755);
  ASSERT_TRUE(closed.ok());
  Caller alice{1000, 1000, {}};
  EXPECT_EQ(this->fs_->CreateTemp(alice, *closed, 0644).status().code(),
            Code::kPermissionDenied);
  // ... and a directory.
  auto file = this->fs_->GetAttr(this->NewFile("plain")).value();
  EXPECT_EQ(this->fs_->CreateTemp(this->root_caller, file, 0644).status().code(),
            Code::kNotDirectory);
}

TYPED_TEST(DataPathTest, ConcurrentWritersOfDistinctRangesAllLand) {
  uint64_t f = this->NewFile("f");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 8; ++i) {
        const uint64_t off = (static_cast<uint64_t>(i) * 4 + t) * 10'000;
        EXPECT_TRUE(this->fs_->Write(this->root_caller, f, off, std::string(10'000, 'a' + t)).ok());
        if (i % 3 == 0) {
          EXPECT_TRUE(this->fs_->Fsync(f).ok());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::string got = this->Get(f, 0, 1 << 20);
  ASSERT_EQ(got.size(), 320'000u);
  for (uint64_t k = 0; k < 32; ++k) {
    EXPECT_EQ(got.substr(k * 10'000, 10'000), std::string(10'000, 'a' + k % 4)) << k;
  }
}

TYPED_TEST(DataPathTest, SequentialReadsUseTheCacheAndReadAhead) {
  uint64_t f = this->NewFile("f");
  std::string data = this->Pattern(6 * kBs, 7);
  this->Put(f, 0, data);
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  std::string got;
  for (uint64_t off = 0; off < data.size(); off += 32 << 10) got += this->Get(f, off, 32 << 10);
  EXPECT_EQ(got, data);
  // Reading the same bytes again is served from the cache: no chunk gets.
  const uint64_t gets = this->chunks_->Stats().gets;
  got.clear();
  for (uint64_t off = 0; off < data.size(); off += 32 << 10) got += this->Get(f, off, 32 << 10);
  EXPECT_EQ(got, data);
  EXPECT_EQ(this->chunks_->Stats().gets, gets);
}

TYPED_TEST(DataPathTest, ForceDeletingAShareReleasesItsChunkReferences) {
  uint64_t f = this->NewFile("f");
  this->Put(f, 0, this->Pattern(3 * kBs, 8));
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  this->Put(f, 0, "rewritten");  // block 0 names a new chunk; the old one is released
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  EXPECT_EQ(this->Refs().size(), 3u);
  this->fs_.reset();
  ASSERT_TRUE(meta::ShareStore(*this->kv_).Delete("docs", /*force=*/true).ok());
  EXPECT_TRUE(this->Refs().empty());
  EXPECT_EQ(this->CountKeys(meta::keys::kZeroRefPrefix), 4u);
}

TYPED_TEST(DataPathTest, StatFsReportsStoreUsageAndCapacity) {
  auto before = this->fs_->StatFs();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(before->block_size, kBs);
  EXPECT_EQ(before->free_bytes, Filesystem::kUnboundedFree);  // no space function given
  uint64_t f = this->NewFile("f");
  this->Put(f, 0, this->Pattern(2 * kBs, 9));
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  auto after = this->fs_->StatFs();
  ASSERT_TRUE(after.ok());
  EXPECT_GE(after->used_bytes, before->used_bytes + 2 * kBs);
  EXPECT_LT(after->free_files, after->total_files);

  FilesystemOptions options;
  options.space = [] { return Result<FsInfo>(FsInfo{"ext4", 1000, 400, false, false}); };
  this->fs_.reset();
  this->Mount(options);
  auto with_disk = this->fs_->StatFs();
  ASSERT_TRUE(with_disk.ok());
  EXPECT_EQ(with_disk->total_bytes, 1000u);
  EXPECT_EQ(with_disk->free_bytes, 400u);
}

TYPED_TEST(DataPathTest, ShareMountsGiveOneFilesystemPerShare) {
  this->fs_.reset();
  ShareMounts mounts(*this->kv_, *this->chunks_, {.filesystem = {.block_size = kBs}});
  auto a = mounts.Get("docs");
  auto b = mounts.Get("docs");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->get(), b->get());
  EXPECT_EQ(mounts.Get("nope").status().code(), Code::kNotFound);
  auto made = (*a)->Create(this->root_caller, (*a)->root(), "f", 0644, true);
  ASSERT_TRUE(made.ok());
  ASSERT_TRUE((*a)->Write(this->root_caller, made->attr.ino, 0, "buffered").ok());
  ASSERT_TRUE(mounts.FlushAll().ok());
  const std::string key = meta::keys::InlineDataBase((*a)->share_id(), made->attr.ino);
  EXPECT_EQ(this->CountKeys(key), 1u);

  // A deleted share, once forgotten, is no longer served under its name, and
  // a new share of that name is a new filesystem.
  meta::ShareStore shares(*this->kv_);
  const uint64_t old_id = (*a)->share_id();
  ASSERT_TRUE(shares.Delete("docs", /*force=*/true).ok());
  mounts.Forget(old_id);
  EXPECT_EQ(mounts.Get("docs").status().code(), Code::kNotFound);
  ASSERT_TRUE(shares.Create("docs").ok());
  auto c = mounts.Get("docs");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_NE((*c)->share_id(), old_id);
  EXPECT_EQ((*c)->Lookup(this->root_caller, (*c)->root(), "f").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace nasd::vfs::testing
