#include "webdav/lock_table.h"

#include <gtest/gtest.h>

namespace nasd::webdav {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
};

Lock L(std::vector<std::string> path, bool exclusive, bool infinite) {
  Lock l;
  l.root = DavPath{std::move(path)};
  l.exclusive = exclusive;
  l.infinite = infinite;
  l.timeout = 60s;
  return l;
}

TEST(LockTableTest, ExclusiveConflicts) {
  LockTable t;
  auto a = t.Create(1, L({"a"}, true, true));
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->token.starts_with("opaquelocktoken:"));
  EXPECT_EQ(t.Create(1, L({"a", "b"}, false, false)).status().code(), Code::kBusy);
  EXPECT_EQ(t.Create(1, L({}, true, true)).status().code(), Code::kBusy);  // ancestor, infinite
  EXPECT_TRUE(t.Create(1, L({}, true, false)).ok());                       // ancestor, depth 0
  EXPECT_TRUE(t.Create(2, L({"a"}, true, true)).ok());                     // other share
  EXPECT_TRUE(t.Create(1, L({"b"}, true, true)).ok());
}

TEST(LockTableTest, SharedLocksCoexist) {
  LockTable t;
  ASSERT_TRUE(t.Create(1, L({"a"}, false, false)).ok());
  ASSERT_TRUE(t.Create(1, L({"a"}, false, false)).ok());
  EXPECT_FALSE(t.Create(1, L({"a"}, true, false)).ok());
  EXPECT_EQ(t.Covering(1, DavPath{{"a"}}).size(), 2u);
}

TEST(LockTableTest, CoveringRefreshUnlockExpire) {
  FakeClock clock;
  LockTable t([&] { return clock.now; });
  auto a = t.Create(1, L({"d"}, true, true));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(t.Covering(1, DavPath{{"d", "x", "y"}}).size(), 1u);
  EXPECT_EQ(t.Covering(1, DavPath{{"e"}}).size(), 0u);
  EXPECT_EQ(t.CoveringTree(1, DavPath{}).size(), 1u);
  clock.now += 50s;
  ASSERT_TRUE(t.Refresh(1, DavPath{{"d", "x"}}, a->token, 60s).ok());
  clock.now += 50s;
  EXPECT_EQ(t.Covering(1, DavPath{{"d"}}).size(), 1u);
  EXPECT_FALSE(t.Unlock(1, DavPath{{"e"}}, a->token).ok());
  EXPECT_TRUE(t.Unlock(1, DavPath{{"d"}}, a->token).ok());
  EXPECT_EQ(t.Covering(1, DavPath{{"d"}}).size(), 0u);

  ASSERT_TRUE(t.Create(1, L({"d"}, true, false)).ok());
  clock.now += 61s;
  EXPECT_EQ(t.Covering(1, DavPath{{"d"}}).size(), 0u) << "expired";
}

TEST(LockTableTest, TimeoutIsCapped) {
  LockTable t;
  Lock l = L({"a"}, true, false);
  l.timeout = 100000s;
  EXPECT_EQ(t.Create(1, l)->timeout, kMaxLockTimeout);
}

TEST(LockTableTest, RemoveTree) {
  LockTable t;
  ASSERT_TRUE(t.Create(1, L({"a", "b"}, true, false)).ok());
  ASSERT_TRUE(t.Create(1, L({"c"}, true, false)).ok());
  t.RemoveTree(1, DavPath{{"a"}});
  EXPECT_TRUE(t.CoveringTree(1, DavPath{{"a"}}).empty());
  EXPECT_EQ(t.CoveringTree(1, DavPath{}).size(), 1u);
}

}  // namespace
}  // namespace nasd::webdav
