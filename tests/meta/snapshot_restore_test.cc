// Restore: the live view becomes the snapshot's view again, after a safety
// snapshot that keeps what was live; chunk references follow the copies.
#include "meta/snapshot_restore.h"

#include "meta/snapshot_fixture.h"

namespace nasd::meta {
namespace {

using testing::kShare;

template <typename Factory>
class SnapshotRestoreTest : public testing::SnapshotFixture<Factory> {};
TYPED_TEST_SUITE(SnapshotRestoreTest, testing::SnapshotFactories, kv::testing::FactoryNames);

TYPED_TEST(SnapshotRestoreTest, LiveViewBecomesTheSnapshotsAgain) {
  const std::string c1(32, '1'), c2(32, '2');
  ASSERT_TRUE(this->PutFile(10, 100).ok());
  this->Live([&](ShareTxn& t) { return t.PutBlock(10, 0, BlockRecord{c1, 10}); });
  ASSERT_TRUE(this->PutFile(12, 3).ok());
  const SnapshotInfo s = this->Snap("s");
  ASSERT_TRUE(this->PutFile(10, 200).ok());
  this->Live([&](ShareTxn& t) { return t.PutBlock(10, 0, BlockRecord{c2, 10}); });
  ASSERT_TRUE(this->PutFile(11, 5).ok());             // born after the snapshot
  this->Live([](ShareTxn& t) { return t.EraseInode(12); });  // deleted after it

  auto r = RestoreSnapshot(*this->kv_, kShare, "s", "before-restore");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->safety.name, "before-restore");
  EXPECT_EQ(r->records_restored, 4u);  // inode 10, its block, inode 11, inode 12
  EXPECT_EQ(this->SizeAt(0, 10), 100u);
  EXPECT_EQ(this->ChunkAt(0, 10), c1);
  EXPECT_EQ(this->SizeAt(0, 11), ~uint64_t{0});
  EXPECT_EQ(this->SizeAt(0, 12), 3u);
  // The safety snapshot still holds the state before the restore.
  EXPECT_EQ(this->SizeAt(r->safety.epoch, 10), 200u);
  EXPECT_EQ(this->ChunkAt(r->safety.epoch, 10), c2);
  EXPECT_EQ(this->SizeAt(r->safety.epoch, 11), 5u);
  EXPECT_EQ(this->SizeAt(s.epoch, 10), 100u);
  EXPECT_EQ(this->Refs(c1), 2u);  // snapshot s's version and the restored copy
  EXPECT_EQ(this->Refs(c2), 1u);  // the safety snapshot's version

  // Restoring again changes nothing; deleting both snapshots keeps what is live.
  auto again = RestoreSnapshot(*this->kv_, kShare, "s", "before-restore-2");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->records_restored, 0u);
  EXPECT_EQ(RestoreSnapshot(*this->kv_, kShare, "nope", "x").status().code(), Code::kNotFound);
  EXPECT_EQ(RestoreSnapshot(*this->kv_, kShare, "s", "s").status().code(), Code::kAlreadyExists);
}

}  // namespace
}  // namespace nasd::meta
