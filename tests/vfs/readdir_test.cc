// ReadDir cookies: pages resume after the last entry's cookie (its name hash),
// whatever changed meanwhile.
#include <set>
#include <thread>

#include "meta/keys.h"
#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {
namespace {

template <typename Factory>
class ReadDirTest : public VfsTest<Factory> {};
TYPED_TEST_SUITE(ReadDirTest, KvFactories, kv::testing::FactoryNames);

TYPED_TEST(ReadDirTest, PagesResumeAcrossInsertsAndDeletes) {
  uint64_t d = this->MkdirP("/d");
  std::vector<std::string> names;
  for (int i = 0; i < 20; ++i) names.push_back("n" + std::to_string(i));
  for (const std::string& n : names) this->File("/d/" + n);
  auto page = this->fs_->ReadDir(this->root, d, Filesystem::kCookieStart, 6);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 6u);
  EXPECT_FALSE(page->eof);
  EXPECT_EQ(page->entries[0].name, ".");
  EXPECT_EQ(page->entries[0].cookie, 1u);
  EXPECT_EQ(page->entries[1].name, "..");
  EXPECT_EQ(page->entries[1].cookie, 2u);
  // Names come in cookie order, and the cookie is the name's hash.
  for (size_t i = 2; i < page->entries.size(); ++i) {
    EXPECT_EQ(page->entries[i].cookie, meta::keys::NameHash(page->entries[i].name));
    EXPECT_GT(page->entries[i].cookie, page->entries[i - 1].cookie);
  }
  const uint64_t cookie = page->entries.back().cookie;
  // Remove the cookie's own entry, add names on both sides of it.
  ASSERT_TRUE(this->fs_->Unlink(this->root, d, page->entries.back().name).ok());
  std::set<std::string> expect;
  for (const std::string& n : names) {
    if (meta::keys::NameHash(n) > cookie) expect.insert(n);
  }
  for (int i = 0; i < 20; ++i) {
    std::string n = "m" + std::to_string(i);
    this->File("/d/" + n);
    if (meta::keys::NameHash(n) > cookie) expect.insert(n);
  }
  ASSERT_FALSE(expect.empty());
  page = this->fs_->ReadDir(this->root, d, cookie, 100);
  ASSERT_TRUE(page.ok());
  std::set<std::string> got;
  for (const DirEntry& e : page->entries) got.insert(e.name);
  EXPECT_EQ(got, expect);
  EXPECT_TRUE(page->eof);
  // A cookie past the last entry is an empty, final page.
  page = this->fs_->ReadDir(this->root, d, UINT64_MAX, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->entries.empty());
  EXPECT_TRUE(page->eof);
  EXPECT_EQ(this->fs_->ReadDir(this->root, d, 0, 0).status().code(), Code::kInvalidArgument);
}

TYPED_TEST(ReadDirTest, CookiesSurviveReopen) {
  uint64_t d = this->MkdirP("/d");
  for (int i = 0; i < 10; ++i) this->File("/d/f" + std::to_string(i));
  auto first = this->fs_->ReadDir(this->root, d, 0, 5);
  ASSERT_TRUE(first.ok());
  const uint64_t cookie = first->entries.back().cookie;
  auto rest = this->fs_->ReadDir(this->root, d, cookie, 100);
  ASSERT_TRUE(rest.ok());
  // A second Filesystem over the same KV, as after a restart: cookies hold
  // no in-memory state.
  auto reopened = Filesystem::Open(*this->kv_, *this->chunks_, "docs");
  ASSERT_TRUE(reopened.ok());
  auto again = (*reopened)->ReadDir(this->root, d, cookie, 100);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->entries.size(), rest->entries.size());
  for (size_t i = 0; i < rest->entries.size(); ++i) {
    EXPECT_EQ(again->entries[i].name, rest->entries[i].name);
  }
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
    uint64_t cookie = 0;
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
