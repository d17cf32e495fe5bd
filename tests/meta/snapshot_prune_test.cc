// Pruning after snapshot deletes: versions no view can see any more are
// dropped with their chunk references; everything a remaining snapshot or
// the live view sees stays.
#include "meta/snapshot_prune.h"

#include "meta/snapshot_fixture.h"

namespace nasd::meta {
namespace {

using testing::kShare;

template <typename Factory>
class SnapshotPruneTest : public testing::SnapshotFixture<Factory> {
 protected:
  void Block(uint64_t ino, const std::string& chunk) {
    this->Live([&](ShareTxn& t) { return t.PutBlock(ino, 0, BlockRecord{chunk, 10}); });
  }
  PruneStats Prune() {
    auto stats = PruneIfPending(*this->kv_, kShare);
    EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    return stats.ok() ? *stats : PruneStats{};
  }
};
TYPED_TEST_SUITE(SnapshotPruneTest, testing::SnapshotFactories, kv::testing::FactoryNames);

TYPED_TEST(SnapshotPruneTest, DeletingSnapshotsReleasesOnlyWhatNoViewSees) {
  const std::string c1(32, '1'), c2(32, '2'), c3(32, '3');
  this->Block(10, c1);
  const SnapshotInfo a = this->Snap("a");  // sees c1
  this->Block(10, c2);
  const SnapshotInfo b = this->Snap("b");  // sees c2
  this->Block(10, c3);                     // live sees c3
  const SnapshotInfo c = this->Snap("c");  // sees c3, as the live view does
  EXPECT_EQ(this->Versions(keys::kBlockTag), 3u);
  EXPECT_EQ(this->Prune().versions_dropped, 0u);  // nothing deleted, nothing owed

  ASSERT_TRUE(this->store_->Delete("b").ok());
  PruneStats stats = this->Prune();
  EXPECT_EQ(stats.versions_dropped, 1u);
  EXPECT_EQ(stats.refs_released, 1u);
  EXPECT_EQ(this->Refs(c2), 0u);
  EXPECT_TRUE(this->Zero(c2));
  EXPECT_EQ(this->Refs(c1), 1u);
  EXPECT_EQ(this->Refs(c3), 1u);
  EXPECT_EQ(this->ChunkAt(a.epoch, 10), c1);
  EXPECT_EQ(this->ChunkAt(c.epoch, 10), c3);
  EXPECT_EQ(this->ChunkAt(0, 10), c3);
  EXPECT_FALSE(this->kv_->Get(keys::PrunePendingKey(kShare))->has_value());

  ASSERT_TRUE(this->store_->Delete("a").ok());
  ASSERT_TRUE(this->store_->Delete("c").ok());
  EXPECT_EQ(this->Prune().versions_dropped, 1u);
  EXPECT_EQ(this->Refs(c1), 0u);
  EXPECT_EQ(this->Refs(c3), 1u);
  EXPECT_EQ(this->Versions(keys::kBlockTag), 1u);
  (void)b;
}

TYPED_TEST(SnapshotPruneTest, DeletedRecordsVanishWithTheirTombstones) {
  const std::string c1(32, '1');
  ASSERT_TRUE(this->PutFile(10, 5).ok());
  this->Block(10, c1);
  ASSERT_TRUE(this->PutFile(11, 6).ok());
  this->Snap("s");
  this->Live([](ShareTxn& t) { return t.EraseInode(10); });  // tombstones at the live epoch
  ASSERT_TRUE(this->PutFile(11, 7).ok());
  EXPECT_EQ(this->Refs(c1), 1u);  // held by the snapshot
  EXPECT_EQ(this->Versions(keys::kInodeTag), 1u + 4);  // the root, 10 and 11 twice

  ASSERT_TRUE(this->store_->Delete("s").ok());
  this->Prune();
  EXPECT_EQ(this->Refs(c1), 0u);
  EXPECT_EQ(this->Versions(keys::kBlockTag), 0u);
  EXPECT_EQ(this->Versions(keys::kInodeTag), 1u + 1);  // the root and inode 11's live version
  EXPECT_EQ(this->SizeAt(0, 11), 7u);
  EXPECT_EQ(this->SizeAt(0, 10), ~uint64_t{0});
}

TYPED_TEST(SnapshotPruneTest, ManyRecordsAcrossBatchesAndOneRecordLargerThanABatch) {
  for (uint64_t ino = 100; ino < 160; ++ino) ASSERT_TRUE(this->PutFile(ino, 1).ok());
  for (int i = 0; i < 12; ++i) {  // inode 100 gets 12 versions, one per snapshot
    this->Snap("s" + std::to_string(i));
    ASSERT_TRUE(this->PutFile(100, 2 + i).ok());
    ASSERT_TRUE(this->PutFile(150, 2 + i).ok());
  }
  for (int i = 0; i < 12; ++i) {
    if (i == 5) continue;
    ASSERT_TRUE(this->store_->Delete("s" + std::to_string(i)).ok());
  }
  auto stats = PruneShare(*this->kv_, kShare, /*batch_keys=*/4);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->versions_dropped, 2u * 11);
  const SnapshotInfo s5 = *this->store_->Get("s5");
  EXPECT_EQ(this->SizeAt(s5.epoch, 100), 6u);
  EXPECT_EQ(this->SizeAt(s5.epoch, 150), 6u);
  EXPECT_EQ(this->SizeAt(s5.epoch, 120), 1u);
  EXPECT_EQ(this->SizeAt(0, 100), 13u);
  EXPECT_EQ(this->Versions(keys::kInodeTag), 1u + 60 + 2);  // the root, one each, s5's two
}

}  // namespace
}  // namespace nasd::meta
