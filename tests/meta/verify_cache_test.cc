#include "meta/verify_cache.h"

#include <gtest/gtest.h>

namespace nasd::meta {
namespace {

using namespace std::chrono_literals;

class VerifyCacheTest : public ::testing::Test {
 protected:
  VerifyCache::Clock::time_point now_{};
  VerifyCache::Options Opts(size_t capacity) {
    return VerifyCache::Options{capacity, 5min, [this] { return now_; }};
  }
};

TEST_F(VerifyCacheTest, HitsOnlyTheSamePasswordAndHash) {
  VerifyCache cache(Opts(8));
  EXPECT_FALSE(cache.Contains("alice", "pw", "h1"));
  cache.Insert("alice", "pw", "h1");
  EXPECT_TRUE(cache.Contains("alice", "pw", "h1"));
  EXPECT_FALSE(cache.Contains("alice", "pw2", "h1"));
  EXPECT_FALSE(cache.Contains("bob", "pw", "h1"));
  // The stored hash changed (new password): the old entry never hits again.
  EXPECT_FALSE(cache.Contains("alice", "pw", "h2"));
  EXPECT_FALSE(cache.Contains("alice", "pw", "h1"));
}

TEST_F(VerifyCacheTest, EntriesExpireAfterTheTtl) {
  VerifyCache cache(Opts(8));
  cache.Insert("alice", "pw", "h");
  now_ += 4min;
  EXPECT_TRUE(cache.Contains("alice", "pw", "h"));  // a hit does not extend the TTL
  now_ += 1min;
  EXPECT_FALSE(cache.Contains("alice", "pw", "h"));
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(VerifyCacheTest, IsBoundedAndEvictsTheLeastRecentlyUsed) {
  VerifyCache cache(Opts(3));
  cache.Insert("a", "pw", "h");
  cache.Insert("b", "pw", "h");
  cache.Insert("c", "pw", "h");
  EXPECT_TRUE(cache.Contains("a", "pw", "h"));  // b is now the least recently used
  cache.Insert("d", "pw", "h");
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.Contains("b", "pw", "h"));
  EXPECT_TRUE(cache.Contains("a", "pw", "h"));
  EXPECT_TRUE(cache.Contains("c", "pw", "h"));
  EXPECT_TRUE(cache.Contains("d", "pw", "h"));
  for (int i = 0; i < 100; ++i) cache.Insert("u" + std::to_string(i), "pw", "h");
  EXPECT_EQ(cache.size(), 3u);
}

TEST_F(VerifyCacheTest, ForgetDropsOneNameOnly) {
  VerifyCache cache(Opts(8));
  cache.Insert("bob", "pw1", "h");
  cache.Insert("bob", "pw2", "h");
  cache.Insert("bobby", "pw1", "h");
  cache.Insert("bo", "pw1", "h");
  cache.Forget("bob");
  EXPECT_FALSE(cache.Contains("bob", "pw1", "h"));
  EXPECT_FALSE(cache.Contains("bob", "pw2", "h"));
  EXPECT_TRUE(cache.Contains("bobby", "pw1", "h"));
  EXPECT_TRUE(cache.Contains("bo", "pw1", "h"));
  EXPECT_EQ(cache.size(), 2u);
}

TEST_F(VerifyCacheTest, ZeroCapacityDisablesIt) {
  VerifyCache cache(Opts(0));
  cache.Insert("a", "pw", "h");
  EXPECT_FALSE(cache.Contains("a", "pw", "h"));
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace nasd::meta
