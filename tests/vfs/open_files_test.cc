// Files removed while open (vfs/open_files.h): the data stays reachable
// through the open handle until the last Release, then the inode and its
// chunk references go; orphans left by a process that died are erased when
// the share is opened again; fsck accepts them meanwhile.
#include <gtest/gtest.h>

#include "meta/keys.h"
#include "vfs/fsck/fsck.h"
#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {
namespace {

template <typename Factory>
class OpenFilesTest : public VfsTest<Factory> {
 protected:
  uint64_t CountKeys(std::string_view prefix) {
    uint64_t n = 0;
    for (auto it = this->kv_->NewIterator(kv::Range::Prefix(prefix)); it->Valid(); it->Next()) ++n;
    return n;
  }
  uint64_t Orphans() {
    return CountKeys(meta::keys::TagPrefix(this->fs_->share_id(), meta::keys::kOrphanTag));
  }
  uint64_t ChunkRefs() { return CountKeys(meta::keys::kChunkRefPrefix); }
  std::string Read(uint64_t ino, uint64_t n = 1 << 20) {
    auto r = this->fs_->Read(ino, 0, n);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::string();
  }
  void ExpectFsckClean() {
    auto report = fsck::Check(*this->kv_, *this->chunks_);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    for (const auto& p : report->problems) ADD_FAILURE() << p.kind << " " << p.where << " " << p.detail;
  }
  // A file of three blocks (so it holds chunks, not inline bytes).
  std::string BigData() {
    std::string data(3 * kTestBlockSize, '\0');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + (i >> 12));
    return data;
  }
};
TYPED_TEST_SUITE(OpenFilesTest, KvFactories);

TYPED_TEST(OpenFilesTest, UnlinkedOpenFileKeepsItsDataUntilTheLastRelease) {
  const std::string data = this->BigData();
  uint64_t f = this->File("/f", data);
  const uint64_t refs = this->ChunkRefs();
  ASSERT_EQ(refs, 3u);
  this->fs_->Retain(f);
  this->fs_->Retain(f);  // two handles
  ASSERT_TRUE(this->fs_->Unlink(this->root, this->root_, "f").ok());
  EXPECT_EQ(this->Ino("/f"), 0u) << "the name is gone at once";
  auto attr = this->fs_->GetAttr(f);
  ASSERT_TRUE(attr.ok()) << attr.status().ToString();
  EXPECT_EQ(attr->nlink, 0u);
  EXPECT_EQ(this->Read(f), data);
  // Still writable, and durable while open.
  ASSERT_TRUE(this->fs_->Write(this->root, f, 5, "hello").ok());
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  EXPECT_EQ(this->Read(f, 10), data.substr(0, 5) + "hello");
  EXPECT_EQ(this->Orphans(), 1u);
  this->ExpectFsckClean();
  // Cannot be linked back (ENOENT, as linkat(2) says).
  EXPECT_EQ(ErrnoOf(this->fs_->Link(this->root, f, this->root_, "back").status()), ENOENT);

  ASSERT_TRUE(this->fs_->Release(f).ok());
  EXPECT_TRUE(this->fs_->GetAttr(f).ok()) << "one handle is still open";
  ASSERT_TRUE(this->fs_->Release(f).ok());
  EXPECT_EQ(this->fs_->GetAttr(f).status().code(), Code::kStale);
  EXPECT_EQ(this->Orphans(), 0u);
  EXPECT_EQ(this->ChunkRefs(), 0u) << "the last release gives the chunks back";
  this->ExpectFsckClean();
}

TYPED_TEST(OpenFilesTest, ClosedFilesAndOtherLinksAreUnaffected) {
  uint64_t f = this->File("/f", "abc");
  this->fs_->Retain(f);
  ASSERT_TRUE(this->fs_->Release(f).ok());
  ASSERT_TRUE(this->fs_->Unlink(this->root, this->root_, "f").ok());
  EXPECT_EQ(this->fs_->GetAttr(f).status().code(), Code::kStale) << "not open: erased at once";

  uint64_t g = this->File("/g", "xyz");
  ASSERT_TRUE(this->fs_->Link(this->root, g, this->root_, "h").ok());
  this->fs_->Retain(g);
  ASSERT_TRUE(this->fs_->Unlink(this->root, this->root_, "g").ok());
  EXPECT_EQ(this->Orphans(), 0u) << "another link remains: no orphan";
  ASSERT_TRUE(this->fs_->Release(g).ok());
  EXPECT_EQ(this->Read(this->Ino("/h")), "xyz");
  EXPECT_EQ(this->fs_->Release(g).code(), Code::kOk) << "a stray release is harmless";
}

TYPED_TEST(OpenFilesTest, RenameOverAnOpenFileKeepsTheOldData) {
  uint64_t old_file = this->File("/target", "old bytes");
  this->File("/new", "new bytes");
  this->fs_->Retain(old_file);
  ASSERT_TRUE(this->fs_->Rename(this->root, this->root_, "new", this->root_, "target").ok());
  EXPECT_EQ(this->Read(this->Ino("/target")), "new bytes");
  EXPECT_EQ(this->Read(old_file), "old bytes");
  ASSERT_TRUE(this->fs_->Release(old_file).ok());
  EXPECT_EQ(this->fs_->GetAttr(old_file).status().code(), Code::kStale);
}

TYPED_TEST(OpenFilesTest, OrphansOfADeadProcessAreErasedAtTheNextOpen) {
  uint64_t f = this->File("/f", this->BigData());
  this->fs_->Retain(f);
  ASSERT_TRUE(this->fs_->Unlink(this->root, this->root_, "f").ok());
  ASSERT_EQ(this->Orphans(), 1u);
  this->fs_.reset();  // the process "dies" with the handle open
  auto fs = Filesystem::Open(*this->kv_, *this->chunks_, "docs");
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  this->fs_ = std::move(fs).value();
  EXPECT_EQ(this->Orphans(), 0u);
  EXPECT_EQ(this->fs_->GetAttr(f).status().code(), Code::kStale);
  EXPECT_EQ(this->ChunkRefs(), 0u);
  this->ExpectFsckClean();
}

}  // namespace
}  // namespace nasd::vfs::testing
