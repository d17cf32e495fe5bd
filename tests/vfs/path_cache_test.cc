#include "vfs/path_cache.h"

#include <gtest/gtest.h>

#include <set>

namespace nasd::vfs {
namespace {

PathCache::Entry EntryOf(uint64_t ino, std::string inline_bytes = {}) {
  PathCache::Entry e;
  Attr a;
  a.ino = ino;
  e.found.push_back(a);
  if (!inline_bytes.empty()) {
    e.span = PathRead::Span{0, inline_bytes.size()};
    e.plan = data::ReadPlan{std::move(inline_bytes), {}, {}};
  }
  return e;
}

TEST(PathCacheTest, KeysTellCallersStartsAndNamesApart) {
  const Caller alice{1000, 1000, {}};
  const Caller alice_in_wheel{1000, 1000, {10}};
  const Caller bob{1001, 1000, {}};
  const Caller alice_gid{1000, 1001, {}};
  const std::vector<std::string> ab_c{"ab", "c"};
  const std::vector<std::string> a_bc{"a", "bc"};
  const std::vector<std::string> abc{"abc"};
  const std::set<std::string> keys{
      PathCache::Key(alice, 1, ab_c),          PathCache::Key(alice, 1, a_bc),
      PathCache::Key(alice, 1, abc),           PathCache::Key(alice, 2, ab_c),
      PathCache::Key(alice_in_wheel, 1, ab_c), PathCache::Key(bob, 1, ab_c),
      PathCache::Key(alice_gid, 1, ab_c)};
  EXPECT_EQ(keys.size(), 7u);
  EXPECT_EQ(PathCache::Key(alice, 1, ab_c), PathCache::Key(Caller{1000, 1000, {}}, 1, ab_c));
}

TEST(PathCacheTest, AnEntryAnswersOnlyAtItsStamp) {
  PathCache cache(1 << 20);
  cache.Insert(5, "k", EntryOf(7, "bytes"));
  auto e = cache.Find(5, "k");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->found.at(0).ino, 7u);
  ASSERT_TRUE(e->plan.has_value());
  EXPECT_EQ(e->plan->inline_bytes, "bytes");
  EXPECT_EQ(cache.Find(5, "other"), nullptr);
  // A reader at an older stamp (it read it before a commit) finds nothing,
  // and its insert is not kept.
  EXPECT_EQ(cache.Find(4, "k"), nullptr);
  cache.Insert(4, "old", EntryOf(8));
  EXPECT_EQ(cache.Find(5, "old"), nullptr);
  EXPECT_NE(cache.Find(5, "k"), nullptr);
  // A newer stamp drops everything; entries handed out stay valid.
  EXPECT_EQ(cache.Find(6, "k"), nullptr);
  EXPECT_EQ(cache.Find(5, "k"), nullptr);
  EXPECT_EQ(e->plan->inline_bytes, "bytes");
  cache.Insert(6, "k", EntryOf(9));
  ASSERT_NE(cache.Find(6, "k"), nullptr);
  EXPECT_EQ(cache.Find(6, "k")->found.at(0).ino, 9u);
  cache.Count(true);
  cache.Count(false);
  cache.Count(false);
  const PathCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 2u);
}

TEST(PathCacheTest, MemoryIsBounded) {
  PathCache cache(64 << 10);
  const std::string kib(1024, 'x');
  for (int i = 0; i < 200; ++i) cache.Insert(1, "k" + std::to_string(i), EntryOf(i, kib));
  int kept = 0;
  for (int i = 0; i < 200; ++i) kept += cache.Find(1, "k" + std::to_string(i)) != nullptr;
  EXPECT_GT(kept, 10);
  EXPECT_LT(kept, 64);
  // Replacing an entry gives its bytes back: the same key can be rewritten
  // for ever.
  for (int i = 0; i < 1000; ++i) cache.Insert(1, "k0", EntryOf(i, kib));
  ASSERT_NE(cache.Find(1, "k0"), nullptr);
  EXPECT_EQ(cache.Find(1, "k0")->found.at(0).ino, 999u);
  // Too big for the whole cache: not kept.
  cache.Insert(1, "huge", EntryOf(1, std::string(128 << 10, 'y')));
  EXPECT_EQ(cache.Find(1, "huge"), nullptr);
  PathCache none(0);
  none.Insert(1, "k", EntryOf(1));
  EXPECT_EQ(none.Find(1, "k"), nullptr);
}

}  // namespace
}  // namespace nasd::vfs
