// Attributes taken atomically with a change, for NFS's wcc_data: Write's and
// SetAttr's "before", and SetAttr's ctime guard checked in its transaction.
#include <gtest/gtest.h>

#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {
namespace {

template <typename Factory>
class WccTest : public VfsTest<Factory> {};
TYPED_TEST_SUITE(WccTest, KvFactories);

TYPED_TEST(WccTest, WriteReportsTheAttributesJustBeforeIt) {
  uint64_t f = this->File("/f", "abc");
  Attr before;
  auto after = this->fs_->Write(this->root, f, 3, "defg", &before);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(before.size, 3u);
  EXPECT_EQ(after->size, 7u);
  EXPECT_LT(before.mtime_ns, after->mtime_ns);
  // A second buffered write sees the first one's result as its "before".
  Attr before2;
  auto after2 = this->fs_->Write(this->root, f, 7, "h", &before2);
  ASSERT_TRUE(after2.ok());
  EXPECT_EQ(before2.size, after->size);
  EXPECT_EQ(before2.mtime_ns, after->mtime_ns);
  EXPECT_EQ(after2->size, 8u);
}

TYPED_TEST(WccTest, SetAttrGuardIsCheckedInItsTransaction) {
  uint64_t f = this->File("/f", "abc");
  const Attr now = this->Stat("/f");
  SetAttrRequest stale;
  stale.mode = 0600;
  stale.if_ctime_ns = now.ctime_ns - 1;
  EXPECT_EQ(this->fs_->SetAttr(this->root, f, stale).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(this->Stat("/f").mode, 0644u) << "a failed guard changes nothing";

  SetAttrRequest current;
  current.mode = 0600;
  current.if_ctime_ns = now.ctime_ns;
  Attr before;
  auto after = this->fs_->SetAttr(this->root, f, current, &before);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(before.mode, 0644u);
  EXPECT_EQ(before.ctime_ns, now.ctime_ns);
  EXPECT_EQ(after->mode, 0600u);
  EXPECT_GT(after->ctime_ns, now.ctime_ns);
}

}  // namespace
}  // namespace nasd::vfs::testing
