#include "webdav/range.h"

#include <gtest/gtest.h>

namespace nasd::webdav {
namespace {

using Kind = RangeRequest::Kind;

TEST(RangeTest, SingleSuffixOpenAndMulti) {
  auto r = ParseRange("bytes=0-9", 100);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->kind, Kind::kRanges);
  EXPECT_EQ(r->ranges[0].offset, 0u);
  EXPECT_EQ(r->ranges[0].length, 10u);
  r = ParseRange("bytes=-10", 100);
  EXPECT_EQ(r->ranges[0].offset, 90u);
  EXPECT_EQ(r->ranges[0].length, 10u);
  r = ParseRange("bytes=-1000", 100);
  EXPECT_EQ(r->ranges[0].offset, 0u);
  EXPECT_EQ(r->ranges[0].length, 100u);
  r = ParseRange("bytes=95-", 100);
  EXPECT_EQ(r->ranges[0].length, 5u);
  r = ParseRange("bytes=90-200", 100);
  EXPECT_EQ(r->ranges[0].length, 10u);
  r = ParseRange("bytes=0-0, 5-6,-1", 100);
  ASSERT_EQ(r->ranges.size(), 3u);
  EXPECT_EQ(r->ranges[2].offset, 99u);
}

TEST(RangeTest, Unsatisfiable) {
  EXPECT_EQ(ParseRange("bytes=100-", 100)->kind, Kind::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=-0", 100)->kind, Kind::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=0-", 0)->kind, Kind::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=-5", 0)->kind, Kind::kUnsatisfiable);
  auto partly = ParseRange("bytes=200-300,0-1", 100);
  EXPECT_EQ(partly->kind, Kind::kRanges);
  EXPECT_EQ(partly->ranges.size(), 1u);
}

TEST(RangeTest, OtherUnitIgnored) { EXPECT_EQ(ParseRange("items=0-1", 100)->kind, Kind::kWhole); }

TEST(RangeTest, MalformedAndHostile) {
  EXPECT_FALSE(ParseRange("bytes=5-1", 100).ok());
  EXPECT_FALSE(ParseRange("bytes=a-b", 100).ok());
  EXPECT_FALSE(ParseRange("bytes=", 100).ok());
  EXPECT_FALSE(ParseRange("bytes=1", 100).ok());
  EXPECT_FALSE(ParseRange("bytes=99999999999999999999999-", 100).ok());
  std::string many = "bytes=";
  for (int i = 0; i < 5000; ++i) many += "0-0,";
  auto r = ParseRange(many, 100);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("more than"), std::string::npos);
  EXPECT_EQ(ToHttpStatus(r.status().code()), 400);
}

}  // namespace
}  // namespace nasd::webdav
