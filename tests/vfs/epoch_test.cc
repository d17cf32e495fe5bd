// vfs over a share whose live epoch has moved past older versions (what a
// snapshot will do): writes add versions at the live epoch, deletes leave
// tombstones, and a view at the older epoch still sees the old tree.
#include "kv/retry.h"
#include "meta/keys.h"
#include "meta/share_txn.h"
#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {
namespace {

template <typename Factory>
class EpochTest : public VfsTest<Factory> {
 protected:
  // Moves the share's live epoch to epoch (the record layout of keys.md).
  void SetEpoch(uint64_t epoch) {
    meta::ShareFsRecord fs{epoch, this->root_, 0};
    kv::WriteBatch b;
    b.Put(meta::keys::ShareFsKey(this->fs_->share_id()), meta::EncodeShareFs(fs));
    ASSERT_TRUE(this->kv_->Write(b).ok());
  }
  // "name:size" of every entry of dir at epoch, and the first bytes of each file.
  std::string ViewAt(uint64_t epoch, uint64_t dir) {
    std::string out;
    Status st = kv::RunTransaction(*this->kv_, [&](kv::Transaction& t) -> Status {
      out.clear();
      NASD_ASSIGN_OR_RETURN(meta::ShareTxn view,
                            meta::ShareTxn::OpenAt(t, this->fs_->share_id(), epoch));
      NASD_ASSIGN_OR_RETURN(meta::EntryPage page, view.ListEntries(dir, 0, 0));
      std::vector<meta::NamedEntry>& entries = page.entries;
      std::sort(entries.begin(), entries.end(),
                [](const auto& a, const auto& b) { return a.name < b.name; });
      for (const meta::NamedEntry& e : entries) {
        NASD_ASSIGN_OR_RETURN(auto inode, view.GetInode(e.entry.ino));
        NASD_ASSIGN_OR_RETURN(std::string data, view.GetData(e.entry.ino));
        out += e.name + ":" + (inode ? std::to_string(inode->size) : "none") + ":" + data + " ";
      }
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }
  bool RawKeyExists(const std::string& key) {
    auto v = this->kv_->Get(key);
    return v.ok() && v->has_value();
  }
};
TYPED_TEST_SUITE(EpochTest, KvFactories, kv::testing::FactoryNames);

TYPED_TEST(EpochTest, OlderEpochKeepsItsTreeWhileTheLiveOneChanges) {
  uint64_t keep = this->File("/keep", "v1");
  uint64_t gone = this->File("/gone", "bye");
  this->SetEpoch(2);
  ASSERT_TRUE(this->fs_->Write(this->root, keep, 0, "V2!").ok());
  ASSERT_TRUE(this->fs_->Fsync(keep).ok());
  ASSERT_TRUE(this->fs_->Unlink(this->root, this->root_, "gone").ok());
  this->File("/new", "n");

  EXPECT_EQ(this->ViewAt(1, this->root_), "gone:3:bye keep:2:v1 ");
  EXPECT_EQ(this->ViewAt(2, this->root_), "keep:3:V2! new:1:n ");
  EXPECT_EQ(this->Names(this->root_), (std::vector<std::string>{"keep", "new"}));
  EXPECT_EQ(this->fs_->GetAttr(gone).status().code(), Code::kStale);
  EXPECT_EQ(*this->fs_->Read(keep, 0, 10), "V2!");

  const uint64_t share = this->fs_->share_id();
  // Epoch 1 versions are untouched; epoch 2 holds the new version and tombstones.
  EXPECT_TRUE(this->RawKeyExists(meta::keys::VersionedKey(meta::keys::InodeBase(share, keep), 1)));
  EXPECT_TRUE(this->RawKeyExists(meta::keys::VersionedKey(meta::keys::InodeBase(share, keep), 2)));
  EXPECT_EQ(*this->kv_->Get(meta::keys::DirEntryKey(share, this->root_, "gone", 2)),
            std::string(1, '\0'));
  EXPECT_EQ(*this->kv_->Get(meta::keys::VersionedKey(meta::keys::InodeBase(share, gone), 2)),
            std::string(1, '\0'));
  // A record born at the live epoch is deleted outright, without a tombstone.
  ASSERT_TRUE(this->fs_->Unlink(this->root, this->root_, "new").ok());
  EXPECT_FALSE(this->RawKeyExists(meta::keys::DirEntryKey(share, this->root_, "new", 2)));
  EXPECT_EQ(this->ViewAt(2, this->root_), "keep:3:V2! ");
}

TYPED_TEST(EpochTest, RecreatingANameAfterATombstone) {
  this->File("/f", "old");
  this->SetEpoch(2);
  ASSERT_TRUE(this->fs_->Unlink(this->root, this->root_, "f").ok());
  EXPECT_EQ(this->Ino("/f"), 0u);
  uint64_t again = this->File("/f", "fresh");
  EXPECT_EQ(this->Ino("/f"), again);
  EXPECT_EQ(this->ViewAt(1, this->root_), "f:3:old ");
  EXPECT_EQ(this->ViewAt(2, this->root_), "f:5:fresh ");
}

}  // namespace
}  // namespace nasd::vfs::testing
