// The chunk collector: space comes back after deletes, overwrites and
// snapshot deletes, never before the grace period, never for a chunk a
// snapshot or a writer still needs. The randomized test races writers that
// deduplicate onto the same blocks against deletes, snapshots and a collector
// with no grace period, then proves every referenced chunk exists and every
// reference count is exact.
#include "vfs/gc/collector.h"

#include <map>
#include <random>
#include <thread>

#include "meta/clock.h"
#include "meta/keys.h"
#include "meta/records.h"
#include "meta/snapshot_store.h"
#include "vfs/fsck/fsck.h"
#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {
namespace {

using gc::Collector;
using gc::CollectorOptions;
using gc::GcReport;

template <typename Factory>
class CollectorTest : public VfsTest<Factory> {
 protected:
  Collector MakeCollector(std::chrono::nanoseconds grace) {
    CollectorOptions o;
    o.grace = grace;
    o.clock = [this] {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count() +
             ahead_.load();
    };
    return Collector(*this->kv_, *this->chunks_, gc::ProcessPins(), o);
  }
  GcReport Run(Collector& c, bool dry_run = false) {
    auto r = c.RunOnce(dry_run);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : GcReport{};
  }
  uint64_t StoredChunks() {
    uint64_t n = 0;
    EXPECT_TRUE(this->chunks_->List([&](const chunk::ChunkId&) { return ++n, true; }).ok());
    return n;
  }
  meta::SnapshotStore Snapshots() { return meta::SnapshotStore(*this->kv_, this->fs_->share_id()); }
  // Every block-record version of the share names a stored chunk, and every
  // count equals the number of versions naming its chunk. Returns the
  // number of distinct chunks referenced.
  size_t CheckReferences() {
    std::map<std::string, uint64_t> named;
    auto txn = this->kv_->Begin();
    auto blocks = txn->Scan(kv::Range::Prefix(meta::keys::TagPrefix(this->fs_->share_id(), 'B')));
    EXPECT_TRUE(blocks.ok());
    for (const kv::KeyValue& kv : *blocks) {
      if (kv.value.size() == 1) continue;  // tombstone
      auto rec = meta::DecodeBlock(kv.value);
      EXPECT_TRUE(rec.ok());
      ++named[rec->chunk_id];
    }
    auto counts = txn->Scan(kv::Range::Prefix(meta::keys::kChunkRefPrefix));
    EXPECT_TRUE(counts.ok());
    EXPECT_EQ(counts->size(), named.size()) << "every count has a block naming its chunk";
    for (const auto& [chunk, n] : named) {
      auto id = data::ToChunkId(chunk);
      auto has = this->chunks_->Has(id);
      EXPECT_TRUE(has.ok() && *has) << "missing chunk " << id.ToHex();
      auto raw = *txn->Get(meta::keys::ChunkRefKey(chunk));
      uint64_t count = 0;
      EXPECT_TRUE(raw && meta::keys::ReadU64(*raw, count));
      EXPECT_EQ(count, n) << id.ToHex();
      EXPECT_FALSE(txn->Get(meta::keys::ZeroRefKey(chunk))->has_value());
    }
    return named.size();
  }

  // How far the collector's clock is ahead of the system clock, which
  // stamps 'Z' records.
  std::atomic<int64_t> ahead_{0};
};
TYPED_TEST_SUITE(CollectorTest, KvFactories, kv::testing::FactoryNames);

std::string Blocks(char fill, int n) { return std::string(n * kTestBlockSize, fill); }

TYPED_TEST(CollectorTest, DeletedDataIsCollectedAfterTheGracePeriodOnly) {
  const uint64_t f = this->File("/f", Blocks('a', 2) + Blocks('b', 1));
  this->File("/g", Blocks('a', 1));  // shares chunk 'a' with f
  EXPECT_EQ(this->StoredChunks(), 2u);
  ASSERT_TRUE(this->fs_->Unlink(this->root, this->root_, "f").ok());
  (void)f;
  Collector c = this->MakeCollector(std::chrono::seconds(60));
  GcReport r = this->Run(c);
  EXPECT_EQ(r.zero_ref_chunks, 1u);  // 'b'; 'a' is still g's
  EXPECT_EQ(r.in_grace, 1u);
  EXPECT_EQ(r.deleted, 0u);
  this->ahead_ += std::chrono::nanoseconds(std::chrono::seconds(61)).count();
  GcReport dry = this->Run(c, /*dry_run=*/true);
  EXPECT_EQ(dry.deleted, 1u);
  EXPECT_EQ(this->StoredChunks(), 2u);  // a dry run deletes nothing
  r = this->Run(c);
  EXPECT_EQ(r.deleted, 1u);
  EXPECT_EQ(this->StoredChunks(), 1u);
  EXPECT_EQ(this->CheckReferences(), 1u);
  EXPECT_EQ(*this->fs_->Read(this->Ino("/g"), 0, 10), "aaaaaaaaaa");
}

TYPED_TEST(CollectorTest, SnapshotsHoldTheirChunksUntilDeleted) {
  const uint64_t f = this->File("/f", Blocks('a', 1) + Blocks('b', 1));
  ASSERT_TRUE(this->Snapshots().Create("s").ok());
  ASSERT_TRUE(this->fs_->Write(this->root, f, 0, Blocks('c', 1)).ok());  // overwrite 'a'
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  ASSERT_TRUE(this->fs_->Unlink(this->root, this->root_, "f").ok());
  Collector c = this->MakeCollector(std::chrono::nanoseconds(0));
  GcReport r = this->Run(c);
  EXPECT_EQ(r.deleted, 1u);  // 'c' only: 'a' and 'b' are the snapshot's
  EXPECT_EQ(*this->fs_->Read(this->Ino("/.snapshots/s/f"), 0, 3), "aaa");
  ASSERT_TRUE(this->Snapshots().Delete("s").ok());
  r = this->Run(c);
  EXPECT_EQ(r.shares_pruned, 1u);
  EXPECT_EQ(r.refs_released, 2u);
  EXPECT_EQ(r.deleted, 2u);
  EXPECT_EQ(this->StoredChunks(), 0u);
  EXPECT_EQ(this->CheckReferences(), 0u);
}

TYPED_TEST(CollectorTest, DryRunExplainsBytesFreedPendingAndHeld) {
  const uint64_t block = kTestBlockSize;
  const uint64_t f = this->File("/f", Blocks('a', 1) + Blocks('b', 1));
  ASSERT_TRUE(this->Snapshots().Create("s").ok());
  ASSERT_TRUE(this->fs_->Write(this->root, f, 0, Blocks('c', 1)).ok());
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  const int64_t before_unlink = meta::SystemNowNs();
  ASSERT_TRUE(this->fs_->Unlink(this->root, this->root_, "f").ok());  // frees 'c'
  this->File("/g", Blocks('d', 1) + std::string(1000, 'e'));
  Collector c = this->MakeCollector(std::chrono::seconds(60));

  GcReport dry = this->Run(c, /*dry_run=*/true);
  EXPECT_EQ(dry.deleted_bytes, 0u);
  EXPECT_EQ(dry.in_grace, 1u);
  EXPECT_EQ(dry.in_grace_bytes, block);  // 'c'
  EXPECT_GE(dry.next_due_ns, before_unlink + int64_t{60'000'000'000});
  EXPECT_LE(dry.next_due_ns, meta::SystemNowNs() + int64_t{60'000'000'000});
  EXPECT_EQ(dry.last_due_ns, dry.next_due_ns);
  ASSERT_EQ(dry.held_by_snapshots.size(), 1u);
  EXPECT_EQ(dry.held_by_snapshots[0].share, "docs");
  EXPECT_EQ(dry.held_by_snapshots[0].bytes, 2 * block);  // 'a' and 'b'
  ASSERT_EQ(dry.held_by_snapshots[0].exclusive.size(), 1u);
  EXPECT_EQ(dry.held_by_snapshots[0].exclusive[0],
            (std::pair<std::string, uint64_t>{"s", 2 * block}));
  EXPECT_NE(dry.ToJson().find("\"held_by_snapshots\":[{\"bytes\":262144"), std::string::npos)
      << dry.ToJson();

  GcReport r = this->Run(c);
  EXPECT_EQ(r.in_grace_bytes, block);
  EXPECT_TRUE(r.held_by_snapshots.empty());  // only dry runs explain
  EXPECT_EQ(c.Totals().pending_bytes, block);
  EXPECT_EQ(c.Totals().reclaimed_bytes, 0u);

  this->ahead_ += std::chrono::nanoseconds(std::chrono::seconds(61)).count();
  dry = this->Run(c, /*dry_run=*/true);
  EXPECT_EQ(dry.deleted, 1u);
  EXPECT_EQ(dry.deleted_bytes, block);
  EXPECT_EQ(dry.in_grace_bytes, 0u);
  EXPECT_EQ(dry.next_due_ns, 0);
  r = this->Run(c);
  EXPECT_EQ(r.deleted_bytes, block);
  EXPECT_EQ(c.Totals().reclaimed_bytes, block);
  EXPECT_EQ(c.Totals().pending_bytes, 0u);

  // A writer about to reference a chunk on the 'Z' list keeps it.
  // (The pass prunes: 'a' and 'b' go on the 'Z' list, due at once as the
  // collector's clock runs 61 s ahead.)
  ASSERT_TRUE(this->Snapshots().Delete("s").ok());
  auto pinned = gc::ProcessPins().Put(*this->chunks_, Blocks('a', 1));
  ASSERT_TRUE(pinned.ok());
  r = this->Run(c);
  EXPECT_EQ(r.pinned, 1u);
  EXPECT_EQ(r.pinned_bytes, block);
  EXPECT_EQ(r.deleted_bytes, block);  // 'b'
  EXPECT_EQ(c.Totals().reclaimed_bytes, 2 * block);
  EXPECT_EQ(c.Totals().pending_bytes, block);
  gc::ProcessPins().Unpin(*pinned);
}

TYPED_TEST(CollectorTest, OrphansAgeAndPinnedChunksStay) {
  ASSERT_TRUE(this->chunks_->Put("an orphan nobody committed").ok());
  auto pinned = gc::ProcessPins().Put(*this->chunks_, "a writer's chunk, not yet committed");
  ASSERT_TRUE(pinned.ok());
  Collector c = this->MakeCollector(std::chrono::nanoseconds(0));
  GcReport r = this->Run(c);
  EXPECT_EQ(r.orphans_found, 1u);
  EXPECT_EQ(r.deleted, 1u);
  EXPECT_EQ(this->StoredChunks(), 1u);
  gc::ProcessPins().Unpin(*pinned);
  r = this->Run(c);
  EXPECT_EQ(r.deleted, 1u);
  EXPECT_EQ(this->StoredChunks(), 0u);
}

TYPED_TEST(CollectorTest, RandomizedWritersDeletesSnapshotsAndCollectorNeverLoseAChunk) {
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  constexpr int kWriters = 4;
  constexpr int kFilesPerWriter = 3;
  constexpr int kOps = 40;
  // Few distinct block contents, so writers keep deduplicating onto chunks
  // that other writers' deletes have just dropped to zero.
  const std::string patterns = "abcd";
  Collector c = this->MakeCollector(std::chrono::nanoseconds(0));
  std::atomic<bool> done{false};
  std::vector<std::string> expected(kWriters * kFilesPerWriter);  // "" = absent
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937 rng(seed + w);
      for (int op = 0; op < kOps; ++op) {
        const int slot = w * kFilesPerWriter + static_cast<int>(rng() % kFilesPerWriter);
        const std::string name = "f" + std::to_string(slot);
        if (!expected[slot].empty() && rng() % 4 == 0) {
          ASSERT_TRUE(this->fs_->Unlink(this->root, this->root_, name).ok());
          expected[slot].clear();
          continue;
        }
        std::string content;
        const int blocks = 1 + static_cast<int>(rng() % 3);
        for (int b = 0; b < blocks; ++b) content += Blocks(patterns[rng() % patterns.size()], 1);
        auto made = this->fs_->Create(this->root, this->root_, name, 0644, false);
        ASSERT_TRUE(made.ok()) << made.status().ToString();
        SetAttrRequest trunc;
        trunc.size = 0;
        Status st = this->fs_->SetAttr(this->root, made->attr.ino, trunc).status();
        ASSERT_TRUE(st.ok()) << st.ToString();
        st = this->fs_->Write(this->root, made->attr.ino, 0, content).status();
        ASSERT_TRUE(st.ok()) << st.ToString();
        st = this->fs_->Fsync(made->attr.ino);
        ASSERT_TRUE(st.ok()) << st.ToString();
        expected[slot] = content;
      }
    });
  }
  threads.emplace_back([&] {  // snapshots come and go
    std::mt19937 rng(seed ^ 0x5eed);
    int n = 0;
    std::vector<std::string> live;
    while (!done) {
      if (live.size() < 3 || rng() % 2) {
        live.push_back("s" + std::to_string(n++));
        ASSERT_TRUE(this->Snapshots().Create(live.back()).ok());
      } else {
        const size_t i = rng() % live.size();
        ASSERT_TRUE(this->Snapshots().Delete(live[i]).ok());
        live.erase(live.begin() + i);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  threads.emplace_back([&] {  // the collector, with no grace at all
    while (!done) {
      auto r = c.RunOnce();
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  });
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  done = true;
  for (size_t i = kWriters; i < threads.size(); ++i) threads[i].join();

  for (size_t slot = 0; slot < expected.size(); ++slot) {
    const uint64_t ino = this->Ino("/f" + std::to_string(slot));
    if (expected[slot].empty()) {
      EXPECT_EQ(ino, 0u) << slot;
      continue;
    }
    auto got = this->fs_->Read(ino, 0, 4 * kTestBlockSize);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == expected[slot]) << "file " << slot << " differs";
  }
  this->CheckReferences();
  auto fsck_report = fsck::Check(*this->kv_, *this->chunks_, {.verify_data = true});
  ASSERT_TRUE(fsck_report.ok()) << fsck_report.status().ToString();
  for (const auto& p : fsck_report->problems) ADD_FAILURE() << p.kind << " " << p.where << " " << p.detail;
  // Every snapshot still readable in full, then all gone: nothing is left.
  auto snaps = this->Snapshots().List();
  ASSERT_TRUE(snaps.ok());
  for (const auto& s : *snaps) {
    for (size_t slot = 0; slot < expected.size(); ++slot) {
      const uint64_t ino = this->Ino("/.snapshots/" + s.name + "/f" + std::to_string(slot));
      if (ino != 0) {
        EXPECT_TRUE(this->fs_->Read(ino, 0, 4 * kTestBlockSize).ok());
      }
    }
    ASSERT_TRUE(this->Snapshots().Delete(s.name).ok());
  }
  for (size_t slot = 0; slot < expected.size(); ++slot) {
    if (expected[slot].empty()) continue;
    ASSERT_TRUE(this->fs_->Unlink(this->root, this->root_, "f" + std::to_string(slot)).ok());
  }
  this->Run(c);
  EXPECT_EQ(this->CheckReferences(), 0u);
  EXPECT_EQ(this->StoredChunks(), 0u);
}

}  // namespace
}  // namespace nasd::vfs::testing
