// Space accounting: live bytes, bytes only snapshots hold, and what deleting
// each snapshot would free, with deduplicated chunks counted exactly once and
// never as freeable while anything else names them.
#include "meta/space_usage.h"

#include "meta/snapshot_fixture.h"
#include "meta/snapshot_prune.h"

namespace nasd::meta {
namespace {

using testing::kShare;

template <typename Factory>
class SpaceUsageTest : public testing::SnapshotFixture<Factory> {
 protected:
  void Block(uint64_t ino, uint64_t block, const std::string& chunk, uint32_t length) {
    this->Live([&](ShareTxn& t) { return t.PutBlock(ino, block, BlockRecord{chunk, length}); });
  }
  ShareSpace Measure(uint64_t share = kShare) {
    auto space = MeasureShareSpace(*this->kv_, share);
    EXPECT_TRUE(space.ok()) << space.status().ToString();
    return space.ok() ? *space : ShareSpace{};
  }
  uint64_t Exclusive(const ShareSpace& s, std::string_view name) {
    for (const SnapshotSpace& snap : s.snapshots) {
      if (snap.info.name == name) return snap.exclusive_bytes;
    }
    ADD_FAILURE() << "no snapshot " << name;
    return 0;
  }
};
TYPED_TEST_SUITE(SpaceUsageTest, testing::SnapshotFactories, kv::testing::FactoryNames);

TYPED_TEST(SpaceUsageTest, OverwriteMovesTheOldBlockToTheSnapshot) {
  const std::string c1(32, '1'), c2(32, '2'), c3(32, '3');
  this->Block(10, 0, c1, 1000);
  this->Block(10, 1, c2, 300);
  ShareSpace before = this->Measure();
  EXPECT_EQ(before.live_bytes, 1300u);
  EXPECT_EQ(before.snapshot_bytes, 0u);
  EXPECT_TRUE(before.snapshots.empty());

  this->Snap("s1");
  ShareSpace same = this->Measure();
  EXPECT_EQ(same.live_bytes, 1300u);
  EXPECT_EQ(same.snapshot_bytes, 0u);
  EXPECT_EQ(this->Exclusive(same, "s1"), 0u);  // it sees only what live sees

  this->Block(10, 0, c3, 700);  // overwrite block 0
  ShareSpace after = this->Measure();
  EXPECT_EQ(after.live_bytes, 1000u);  // c3 + c2
  EXPECT_EQ(after.snapshot_bytes, 1000u);  // c1
  EXPECT_EQ(this->Exclusive(after, "s1"), 1000u);
  ASSERT_EQ(after.snapshots.size(), 1u);
  EXPECT_EQ(after.snapshots[0].info.name, "s1");
}

TYPED_TEST(SpaceUsageTest, ChunksTwoSnapshotsShareAreExclusiveToNeither) {
  const std::string c1(32, '1'), c2(32, '2'), c3(32, '3');
  this->Block(10, 0, c1, 100);
  this->Snap("a");  // c1
  this->Snap("b");  // c1
  this->Block(10, 0, c2, 200);
  this->Snap("c");  // c2
  this->Block(10, 0, c3, 300);
  ShareSpace s = this->Measure();
  EXPECT_EQ(s.live_bytes, 300u);
  EXPECT_EQ(s.snapshot_bytes, 300u);  // c1 + c2
  EXPECT_EQ(this->Exclusive(s, "a"), 0u);  // b still sees c1
  EXPECT_EQ(this->Exclusive(s, "b"), 0u);
  EXPECT_EQ(this->Exclusive(s, "c"), 200u);

  // Once b is gone (its prune still owed), a alone holds c1.
  ASSERT_TRUE(this->store_->Delete("b").ok());
  EXPECT_EQ(this->Exclusive(this->Measure(), "a"), 100u);
  ASSERT_TRUE(PruneIfPending(*this->kv_, kShare).ok());
  EXPECT_EQ(this->Exclusive(this->Measure(), "a"), 100u);
}

TYPED_TEST(SpaceUsageTest, DeduplicatedChunksCountOnceAndAreHeldByAnyLiveName) {
  const std::string c1(32, '1'), c2(32, '2');
  this->Block(10, 0, c1, 500);
  this->Block(11, 0, c1, 500);  // same bytes in another file
  this->Block(12, 0, c2, 50);
  EXPECT_EQ(this->Measure().live_bytes, 550u);
  this->Snap("s");
  this->Live([](ShareTxn& t) { return t.EraseBlock(10, 0); });
  ShareSpace s = this->Measure();
  EXPECT_EQ(s.live_bytes, 550u);  // file 11 still names c1
  EXPECT_EQ(s.snapshot_bytes, 0u);
  EXPECT_EQ(this->Exclusive(s, "s"), 0u);

  // Another share naming c2 keeps it too, once share 7 lets go of it.
  ASSERT_TRUE(EnsureShareFs(*this->kv_, kShare + 1, 1).ok());
  ASSERT_TRUE(kv::RunTransaction(*this->kv_, [&](kv::Transaction& t) -> Status {
                NASD_ASSIGN_OR_RETURN(ShareTxn txn, ShareTxn::Open(t, kShare + 1));
                return txn.PutBlock(20, 0, BlockRecord{c2, 50});
              }).ok());
  this->Live([](ShareTxn& t) { return t.EraseBlock(12, 0); });
  s = this->Measure();
  EXPECT_EQ(s.live_bytes, 500u);
  EXPECT_EQ(s.snapshot_bytes, 0u);  // share 8 names c2
  EXPECT_EQ(this->Exclusive(s, "s"), 0u);
  EXPECT_EQ(this->Measure(kShare + 1).live_bytes, 50u);
}

TYPED_TEST(SpaceUsageTest, InlineDataCountsToo) {
  ASSERT_TRUE(this->At(0, [](ShareTxn& t) { return t.PutData(10, std::string(40, 'x')); }).ok());
  this->Snap("s");
  ASSERT_TRUE(this->At(0, [](ShareTxn& t) { return t.PutData(10, std::string(25, 'y')); }).ok());
  ShareSpace s = this->Measure();
  EXPECT_EQ(s.live_bytes, 25u);
  EXPECT_EQ(s.snapshot_bytes, 40u);
  EXPECT_EQ(this->Exclusive(s, "s"), 40u);
}

TYPED_TEST(SpaceUsageTest, UnformattedShareHoldsNothing) {
  ShareSpace s = this->Measure(kShare + 5);
  EXPECT_EQ(s.live_bytes, 0u);
  EXPECT_TRUE(s.snapshots.empty());
}

}  // namespace
}  // namespace nasd::meta
