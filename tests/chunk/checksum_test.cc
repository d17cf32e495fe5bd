#include "chunk/checksum.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <climits>
#include <string>

namespace nasd::chunk {
namespace {

TEST(Crc32cTest, StandardCheckValue) { EXPECT_EQ(Crc32c("123456789"), 0xE3069283u); }

TEST(Crc32cTest, Rfc3720Vectors) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending(32, '\0');
  for (int i = 0; i < 32; ++i) ascending[i] = static_cast<char>(i);
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
}

TEST(Crc32cTest, SeedExtendsAChecksum) {
  const std::string a = "hello, ";
  const std::string b = "world";
  EXPECT_EQ(Crc32c(b, Crc32c(a)), Crc32c(a + b));
  EXPECT_EQ(Crc32c("", Crc32c(a)), Crc32c(a));
}

TEST(Crc32cTest, DetectsEverySingleBitFlip) {
  std::string data(1000, 'q');
  const uint32_t base = Crc32c(data);
  for (size_t i = 0; i < data.size(); i += 37) {
    for (int bit = 0; bit < 8; ++bit) {
      data[i] = static_cast<char>(data[i] ^ (1 << bit));
      EXPECT_NE(Crc32c(data), base) << i << ":" << bit;
      data[i] = static_cast<char>(data[i] ^ (1 << bit));
    }
  }
}

// Lengths beyond INT_MAX (ISA-L takes an int) must be processed in pieces.
// Zero pages from an anonymous mapping cost no memory.
TEST(Crc32cTest, LengthAboveIntMax) {
  const size_t len = size_t{INT_MAX} + (size_t{3} << 20) + 5;
  void* p = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  const std::string_view all(static_cast<const char*>(p), len);
  uint32_t chained = 0;
  constexpr size_t kStep = 7 << 20;
  for (size_t off = 0; off < len; off += kStep) chained = Crc32c(all.substr(off, kStep), chained);
  EXPECT_EQ(Crc32c(all), chained);
  ::munmap(p, len);
}

}  // namespace
}  // namespace nasd::chunk
