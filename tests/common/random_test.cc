// Random identifiers from the kernel's getrandom.
#include "common/random.h"

#include <gtest/gtest.h>

#include <set>

namespace nasd {
namespace {

TEST(RandomTest, HexHasTwoLowercaseDigitsPerByte) {
  for (size_t n : {0, 1, 8, 33}) {
    const std::string hex = RandomHex(n);
    EXPECT_EQ(hex.size(), 2 * n);
    EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << hex;
  }
}

TEST(RandomTest, NumbersDoNotRepeat) {
  std::set<uint64_t> seen;
  for (int i = 0; i < 100; ++i) seen.insert(RandomU64());
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace nasd
