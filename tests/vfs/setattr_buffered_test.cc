// SetAttr on a file with buffered writes: the writes are committed in the
// setattr's own transaction (one durable commit, not two), before the change,
// and a setattr that fails leaves them buffered for the next flush.
#include <gtest/gtest.h>

#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {
namespace {

template <typename Factory>
class SetAttrBufferedTest : public VfsTest<Factory> {
 protected:
  uint64_t Commits() { return this->kv_->Stats().commits; }
  std::string Read(uint64_t ino) {
    auto r = this->fs_->Read(ino, 0, 1 << 20);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::string();
  }
};
TYPED_TEST_SUITE(SetAttrBufferedTest, KvFactories);

TYPED_TEST(SetAttrBufferedTest, TimesAndBufferedWritesShareOneCommit) {
  uint64_t f = this->File("/f", "abc");
  ASSERT_TRUE(this->fs_->Write(this->root, f, 3, "defg").ok());  // buffered
  const uint64_t commits = this->Commits();
  SetAttrRequest times;  // what smbd does before closing a file it wrote
  times.mtime = TimeSpec::At(1'234'000'000'000);
  times.atime = TimeSpec::At(1'000'000'000'000);
  auto after = this->fs_->SetAttr(this->root, f, times);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(this->Commits() - commits, 1u) << "the buffered writes took a commit of their own";
  EXPECT_EQ(after->size, 7u);
  EXPECT_EQ(after->mtime_ns, 1'234'000'000'000) << "the explicit time applies after the writes";
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  EXPECT_EQ(this->Commits() - commits, 1u) << "nothing was left to flush";
  EXPECT_EQ(this->Read(f), "abcdefg");
  EXPECT_EQ(this->Stat("/f").mtime_ns, 1'234'000'000'000);
}

TYPED_TEST(SetAttrBufferedTest, TruncateAppliesAfterTheBufferedWrites) {
  uint64_t f = this->File("/f", "abc");
  ASSERT_TRUE(this->fs_->Write(this->root, f, 8, "xyz").ok());  // a hole, then bytes
  SetAttrRequest shrink;
  shrink.size = 5;
  Attr before;
  auto after = this->fs_->SetAttr(this->root, f, shrink, &before);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(before.size, 11u) << "before: the file as its writers saw it";
  EXPECT_EQ(after->size, 5u);
  EXPECT_EQ(this->Read(f), std::string("abc\0\0", 5));
  SetAttrRequest grow;
  grow.size = 11;
  ASSERT_TRUE(this->fs_->SetAttr(this->root, f, grow).ok());
  EXPECT_EQ(this->Read(f), std::string("abc\0\0\0\0\0\0\0\0", 11)) << "truncated bytes came back";
}

TYPED_TEST(SetAttrBufferedTest, AFailedSetAttrLeavesTheWritesBuffered) {
  uint64_t f = this->File("/f", "abc");
  ASSERT_TRUE(this->fs_->Write(this->root, f, 3, "def").ok());
  const Caller other{.uid = 1000, .gid = 1000};
  SetAttrRequest chmod;
  chmod.mode = 0600;
  EXPECT_EQ(this->fs_->SetAttr(other, f, chmod).status().code(), Code::kNotPermitted);
  EXPECT_EQ(this->Stat("/f").mode, 0644u);
  EXPECT_EQ(this->Stat("/f").size, 6u) << "the buffered bytes are still seen";
  const uint64_t commits = this->Commits();
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  EXPECT_EQ(this->Commits() - commits, 1u) << "the next flush commits them";
  EXPECT_EQ(this->Read(f), "abcdef");
}

}  // namespace
}  // namespace nasd::vfs::testing
