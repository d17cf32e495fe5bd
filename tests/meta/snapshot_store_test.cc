// Snapshots in the metadata layer: creation freezes the live epoch and moves
// it on (no copying), views at the snapshot's epoch keep seeing the old
// records while the live view changes, and chunk references stay held by the
// snapshot's versions.
#include "meta/snapshot_store.h"

#include "meta/snapshot_fixture.h"

namespace nasd::meta {
namespace {

using testing::kShare;

template <typename Factory>
class SnapshotStoreTest : public testing::SnapshotFixture<Factory> {};
TYPED_TEST_SUITE(SnapshotStoreTest, testing::SnapshotFactories, kv::testing::FactoryNames);

TYPED_TEST(SnapshotStoreTest, CreateFreezesTheLiveEpochAndMovesItOn) {
  SnapshotStore store(*this->kv_, kShare, [] { return int64_t{42}; });
  ASSERT_EQ(this->LiveEpoch(), keys::kFirstEpoch);
  auto a = store.Create("a");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(*a, (SnapshotInfo{"a", 1, 42}));
  EXPECT_EQ(this->LiveEpoch(), 2u);
  auto b = store.Create("2026-11-26T11:00:00Z");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->epoch, 2u);
  EXPECT_EQ(this->LiveEpoch(), 3u);

  EXPECT_EQ(store.Create("a").status().code(), Code::kAlreadyExists);
  EXPECT_EQ(this->LiveEpoch(), 3u);  // a refused create moves nothing
  for (const char* bad : {"", ".hidden", "a/b", "sp ace"})
    EXPECT_EQ(store.Create(bad).status().code(), Code::kInvalidArgument) << bad;

  auto list = store.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "a");  // oldest first, whatever the names' order
  EXPECT_EQ((*list)[1].name, "2026-11-26T11:00:00Z");
  EXPECT_EQ(store.Get("a")->epoch, 1u);
  EXPECT_EQ(store.Get("nope").status().code(), Code::kNotFound);
  EXPECT_EQ((*store.FindByEpoch(2))->name, "2026-11-26T11:00:00Z");
  EXPECT_FALSE(store.FindByEpoch(3)->has_value());

  ASSERT_TRUE(store.Delete("a").ok());
  EXPECT_EQ(store.Delete("a").code(), Code::kNotFound);
  EXPECT_EQ(store.Get("a").status().code(), Code::kNotFound);
  EXPECT_TRUE(this->kv_->Get(keys::PrunePendingKey(kShare))->has_value());
  EXPECT_EQ(this->LiveEpoch(), 3u);  // deleting never moves the epoch back
}

TYPED_TEST(SnapshotStoreTest, ASnapshotKeepsSeeingWhatTheLiveViewChanges) {
  SnapshotStore store(*this->kv_, kShare);
  ASSERT_TRUE(this->PutFile(10, 100).ok());
  auto snap = store.Create("s");
  ASSERT_TRUE(snap.ok());
  ASSERT_TRUE(this->PutFile(10, 200).ok());
  ASSERT_TRUE(this->PutFile(11, 5).ok());
  EXPECT_EQ(this->SizeAt(0, 10), 200u);
  EXPECT_EQ(this->SizeAt(snap->epoch, 10), 100u);
  EXPECT_EQ(this->SizeAt(snap->epoch, 11), ~uint64_t{0});  // born after the snapshot
  // The snapshot's version was not overwritten: both versions are stored.
  EXPECT_TRUE(this->kv_->Get(keys::VersionedKey(keys::InodeBase(kShare, 10), 1))->has_value());
  EXPECT_TRUE(this->kv_->Get(keys::VersionedKey(keys::InodeBase(kShare, 10), 2))->has_value());
  // A snapshot view is read-only.
  Status write = this->At(snap->epoch, [](ShareTxn& t) { return t.PutInode(12, InodeRecord{}); });
  EXPECT_EQ(write.code(), Code::kReadOnly);
}

TYPED_TEST(SnapshotStoreTest, SnapshotVersionsKeepTheirChunkReferences) {
  SnapshotStore store(*this->kv_, kShare);
  const std::string c1(32, 'a'), c2(32, 'b');
  ASSERT_TRUE(this->At(0, [&](ShareTxn& t) { return t.PutBlock(10, 0, BlockRecord{c1, 10}); }).ok());
  EXPECT_EQ(this->Refs(c1), 1u);
  ASSERT_TRUE(store.Create("s").ok());
  // Overwriting after the snapshot adds a version: c1 stays referenced by it.
  ASSERT_TRUE(this->At(0, [&](ShareTxn& t) { return t.PutBlock(10, 0, BlockRecord{c2, 10}); }).ok());
  EXPECT_EQ(this->Refs(c1), 1u);
  EXPECT_EQ(this->Refs(c2), 1u);
  // Overwriting again at the same live epoch replaces in place: c2 goes back.
  ASSERT_TRUE(this->At(0, [&](ShareTxn& t) { return t.PutBlock(10, 0, BlockRecord{c1, 10}); }).ok());
  EXPECT_EQ(this->Refs(c1), 2u);
  EXPECT_EQ(this->Refs(c2), 0u);
  EXPECT_TRUE(this->kv_->Get(keys::ZeroRefKey(c2))->has_value());
  ASSERT_TRUE(this->At(0, [&](ShareTxn& t) { return t.EraseBlock(10, 0); }).ok());
  EXPECT_EQ(this->Refs(c1), 1u);  // the snapshot's version still holds one
}

}  // namespace
}  // namespace nasd::meta
