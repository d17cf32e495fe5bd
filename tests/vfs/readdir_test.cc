// ReadDir cookies: pages resume after the last name, whatever changed meanwhile.
#include <set>
#include <thread>

#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {
namespace {

template <typename Factory>
class ReadDirTest : public VfsTest<Factory> {};
TYPED_TEST_SUITE(ReadDirTest, KvFactories, kv::testing::FactoryNames);

TYPED_TEST(ReadDirTest, PagesResumeAcrossInsertsAndDeletes) {
  uint64_t d = this->MkdirP("/d");
  for (const char* n : {"b", "d", "f", "h"}) this->File(std::string("/d/") + n);
  auto page = this->fs_->ReadDir(this->root, d, "", 4);  // ".", "..", "b", "d"
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 4u);
  EXPECT_FALSE(page->eof);
  std::string cookie = page->entries.back().cookie;
  EXPECT_EQ(page->entries.back().name, "d");
  // Remove the cookie's own entry, add names before and after it.
  ASSERT_TRUE(this->fs_->Unlink(this->root, d, "d").ok());
  this->File("/d/a");
  this->File("/d/e");
  page = this->fs_->ReadDir(this->root, d, cookie, 10);
  ASSERT_TRUE(page.ok());
  std::vector<std::string> names;
  for (const DirEntry& e : page->entries) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"e", "f", "h"}));
  EXPECT_TRUE(page->eof);
  EXPECT_EQ(this->fs_->ReadDir(this->root, d, "x/y", 10).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(this->fs_->ReadDir(this->root, d, "", 0).status().code(), Code::kInvalidArgument);
}

TYPED_TEST(ReadDirTest, StableEntriesAppearExactlyOnceUnderConcurrentChurn) {
  uint64_t d = this->MkdirP("/d");
  std::set<std::string> stable;
  for (int i = 0; i < 120; ++i) {
    std::string name = "s" + std::to_string(i * 7 % 1000);
    stable.insert(name);
    this->File("/d/" + name);
  }
  std::atomic<bool> stop{false};
  std::thread churn([&] {
    for (int i = 0; !stop.load(); ++i) {
      std::string name = "s" + std::to_string(i % 1000) + "v";  // interleaves with stable names
      if (!this->fs_->Create(this->root, d, name, 0644, true).ok()) continue;
      if (i % 2 == 0) {
        EXPECT_TRUE(this->fs_->Unlink(this->root, d, name).ok());
      }
    }
  });
  for (int round = 0; round < 5; ++round) {
    std::multiset<std::string> seen;
    std::string cookie;
    for (;;) {
      auto page = this->fs_->ReadDir(this->root, d, cookie, 7);
      if (!page.ok()) {  // no ASSERT: the churn thread must still be joined
        ADD_FAILURE() << page.status().ToString();
        break;
      }
      for (const DirEntry& e : page->entries) {
        seen.insert(e.name);
        cookie = e.cookie;
      }
      if (page->eof) break;
    }
    for (const std::string& name : stable) EXPECT_EQ(seen.count(name), 1u) << name;
    for (const std::string& name : seen)
      EXPECT_EQ(seen.count(name), 1u) << "returned twice: " << name;
  }
  stop = true;
  churn.join();
}

}  // namespace
}  // namespace nasd::vfs::testing
