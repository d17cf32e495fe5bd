#include "common/units.h"

#include <gtest/gtest.h>

namespace nasd {
namespace {

TEST(UnitsTest, ParsesSizes) {
  EXPECT_EQ(*ParseSize("4MiB"), 4u << 20);
  EXPECT_EQ(*ParseSize("64KiB"), 64u << 10);
  EXPECT_EQ(*ParseSize("1048576"), 1u << 20);
  EXPECT_EQ(*ParseSize("1GB"), 1000000000u);
  EXPECT_EQ(*ParseSize("0"), 0u);
}

TEST(UnitsTest, RejectsBadSizes) {
  EXPECT_FALSE(ParseSize("").ok());
  EXPECT_FALSE(ParseSize("-1").ok());
  EXPECT_FALSE(ParseSize("1.5MiB").ok());
  EXPECT_FALSE(ParseSize("4 MiB").ok());
  EXPECT_FALSE(ParseSize("4XB").ok());
  EXPECT_FALSE(ParseSize("99999999999999999999").ok());
  EXPECT_FALSE(ParseSize("20000000TiB").ok());  // overflows uint64
}

TEST(UnitsTest, FormatsSizes) {
  EXPECT_EQ(FormatSize(4u << 20), "4MiB");
  EXPECT_EQ(FormatSize(1000), "1000");
  EXPECT_EQ(*ParseSize(FormatSize(64u << 10)), 64u << 10);
}

TEST(UnitsTest, ParsesDurations) {
  EXPECT_EQ(ParseDuration("10s")->count(), 10000);
  EXPECT_EQ(ParseDuration("250ms")->count(), 250);
  EXPECT_EQ(ParseDuration("2m")->count(), 120000);
  EXPECT_FALSE(ParseDuration("10").ok());
  EXPECT_FALSE(ParseDuration("s").ok());
  EXPECT_FALSE(ParseDuration("-5s").ok());
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds(15000)), "15s");
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds(1500)), "1500ms");
}

}  // namespace
}  // namespace nasd

namespace nasd {
namespace {

TEST(UnitsTest, FormatsBytesForPeople) {
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(53ULL << 30), "53.0 GiB");
}

}  // namespace
}  // namespace nasd
