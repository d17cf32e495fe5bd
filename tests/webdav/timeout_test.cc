#include "webdav/timeout.h"

#include <gtest/gtest.h>

#include "webdav/lock_table.h"

namespace nasd::webdav {
namespace {

using namespace std::chrono_literals;

TEST(TimeoutTest, Parses) {
  EXPECT_EQ(*ParseTimeout(std::nullopt), kMaxLockTimeout);
  EXPECT_EQ(*ParseTimeout("Second-60"), 60s);
  EXPECT_EQ(*ParseTimeout("Infinite, Second-4100000000"), kMaxLockTimeout);
  EXPECT_EQ(*ParseTimeout("Second-4100000000"), kMaxLockTimeout);
  EXPECT_EQ(*ParseTimeout("Second-0"), 1s);
  EXPECT_FALSE(ParseTimeout("Second-99999999999999999999").ok());
  EXPECT_FALSE(ParseTimeout("Second-9999999999").ok());
  EXPECT_FALSE(ParseTimeout("Second-").ok());
  EXPECT_FALSE(ParseTimeout("Minute-5").ok());
}

}  // namespace
}  // namespace nasd::webdav
