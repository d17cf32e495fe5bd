// Change listeners (Filesystem::AddChangeListener): which calls report a
// changed name and which a changed inode, and that a removed listener hears
// nothing more.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {
namespace {

template <typename Factory>
class ChangeListenerTest : public VfsTest<Factory> {
 protected:
  void Listen() {
    id_ = this->fs_->AddChangeListener(
        {.entry = [this](uint64_t dir, std::string_view name) {
           events_.push_back("entry " + std::to_string(dir) + "/" + std::string(name));
         },
         .inode = [this](uint64_t ino) { events_.push_back("inode " + std::to_string(ino)); }});
  }
  std::vector<std::string> Take() { return std::exchange(events_, {}); }
  std::string Entry(uint64_t dir, std::string_view name) {
    return "entry " + std::to_string(dir) + "/" + std::string(name);
  }
  std::string Inode(uint64_t ino) { return "inode " + std::to_string(ino); }

  uint64_t id_ = 0;
  std::vector<std::string> events_;  // the calls come on the test's thread
};
TYPED_TEST_SUITE(ChangeListenerTest, KvFactories);

TYPED_TEST(ChangeListenerTest, NamesAndInodesAreReported) {
  const Caller& root = this->root;
  const uint64_t dir = this->root_;
  this->Listen();
  auto made = this->fs_->Create(root, dir, "f", 0644, /*exclusive=*/true);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  const uint64_t f = made->attr.ino;
  EXPECT_EQ(this->Take(), std::vector<std::string>{this->Entry(dir, "f")});

  ASSERT_TRUE(this->fs_->Write(root, f, 0, "hello").ok());
  EXPECT_EQ(this->Take(), std::vector<std::string>{this->Inode(f)});
  SetAttrRequest chmod;
  chmod.mode = 0600;
  ASSERT_TRUE(this->fs_->SetAttr(root, f, chmod).ok());
  EXPECT_EQ(this->Take(), std::vector<std::string>{this->Inode(f)});
  ASSERT_TRUE(this->fs_->Link(root, f, dir, "g").ok());
  EXPECT_EQ(this->Take(), (std::vector<std::string>{this->Entry(dir, "g"), this->Inode(f)}));

  // Reads and failed calls change nothing.
  ASSERT_TRUE(this->fs_->Read(f, 0, 5).ok());
  ASSERT_TRUE(this->fs_->GetAttr(f).ok());
  EXPECT_FALSE(this->fs_->Create(root, dir, "f", 0644, /*exclusive=*/true).ok());
  SetAttrRequest huge;
  huge.size = uint64_t{1} << 62;
  EXPECT_FALSE(this->fs_->SetAttr(root, f, huge).ok());
  EXPECT_FALSE(this->fs_->Write(root, f, uint64_t{1} << 62, "x").ok());
  EXPECT_TRUE(this->Take().empty());

  ASSERT_TRUE(this->fs_->Unlink(root, dir, "g").ok());
  EXPECT_EQ(this->Take(), std::vector<std::string>{this->Entry(dir, "g")});

  this->fs_->RemoveChangeListener(this->id_);
  ASSERT_TRUE(this->fs_->Write(root, f, 0, "again").ok());
  ASSERT_TRUE(this->fs_->Unlink(root, dir, "f").ok());
  EXPECT_TRUE(this->Take().empty()) << "a removed listener was called";
}

TYPED_TEST(ChangeListenerTest, EitherFunctionMayBeEmpty) {
  int entries = 0;
  const uint64_t id = this->fs_->AddChangeListener(
      {.entry = [&](uint64_t, std::string_view) { ++entries; }, .inode = {}});
  uint64_t f = this->File("/f", "abc");  // create (entry) and write (no inode listener)
  ASSERT_TRUE(this->fs_->Write(this->root, f, 0, "x").ok());
  EXPECT_EQ(entries, 1);
  this->fs_->RemoveChangeListener(id);
}

}  // namespace
}  // namespace nasd::vfs::testing
