// Malformed records surface as kCorruption (EIO), never as wrong answers.
#include "meta/keys.h"
#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {
namespace {

template <typename Factory>
class CorruptionTest : public VfsTest<Factory> {
 protected:
  void Overwrite(const std::string& key, const std::string& value) {
    kv::WriteBatch b;
    b.Put(key, value);
    ASSERT_TRUE(this->kv_->Write(b).ok());
  }
};
TYPED_TEST_SUITE(CorruptionTest, KvFactories, kv::testing::FactoryNames);

TYPED_TEST(CorruptionTest, MalformedRecordsAreReportedAsCorruption) {
  const uint64_t share = this->fs_->share_id();
  uint64_t f = this->File("/f", "abc");
  uint64_t d = this->MkdirP("/d");
  this->Overwrite(meta::keys::VersionedKey(meta::keys::InodeBase(share, f), 1), "\x01short");
  EXPECT_EQ(this->fs_->GetAttr(f).status().code(), Code::kCorruption);
  EXPECT_EQ(ToErrno(this->fs_->GetAttr(f).status().code()), EIO);
  this->Overwrite(meta::keys::DirEntryKey(share, d, "bad", 1), "\x07garbage!!");
  EXPECT_EQ(this->fs_->ReadDir(this->root, d, 0, 10).status().code(), Code::kCorruption);
  EXPECT_EQ(this->fs_->Lookup(this->root, d, "bad").status().code(), Code::kCorruption);
  this->Overwrite(meta::keys::VersionedKey(meta::keys::XattrPrefix(share, d) + "user.x", 1),
                  "\x01v");
  EXPECT_EQ(this->fs_->ListXattr(this->root, d).status().code(), Code::kCorruption);
  this->Overwrite(meta::keys::ShareFsKey(share), "\x01");
  EXPECT_EQ(this->fs_->GetAttr(this->root_).status().code(), Code::kCorruption);
}

}  // namespace
}  // namespace nasd::vfs::testing
