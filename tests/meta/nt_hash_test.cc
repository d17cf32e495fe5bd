#include "meta/nt_hash.h"

#include <gtest/gtest.h>

namespace nasd::meta {
namespace {

std::string Hex(const std::array<uint8_t, 16>& d) {
  std::string out;
  for (uint8_t b : d) out += "0123456789abcdef"[b >> 4], out += "0123456789abcdef"[b & 0xf];
  return out;
}

TEST(NtHashTest, Md4MatchesRfc1320) {
  EXPECT_EQ(Hex(Md4("")), "31d6cfe0d16ae931b73c59d7e0c089c0");
  EXPECT_EQ(Hex(Md4("a")), "bde52cb31de33e46245e05fbdbd6fb24");
  EXPECT_EQ(Hex(Md4("abc")), "a448017aaf21d8525fc10ae87aa6729d");
  EXPECT_EQ(Hex(Md4("message digest")), "d9130a8164549fe818874806e1c7014b");
  EXPECT_EQ(Hex(Md4("abcdefghijklmnopqrstuvwxyz")), "d79e1c308aa5bbcdeea8ed63df412da9");
  EXPECT_EQ(Hex(Md4("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")),
            "043f8582f241db351ce627e153e7f0e4");
  EXPECT_EQ(Hex(Md4("12345678901234567890123456789012345678901234567890123456789012345678901234567890")),
            "e33b4ddc9c38f2199c3e7b164fcc0536");
}

TEST(NtHashTest, NtHashOfKnownPasswords) {
  EXPECT_EQ(NtHashHex("password"), "8846F7EAEE8FB117AD06BDD830B7586C");
  EXPECT_EQ(NtHashHex(""), "31D6CFE0D16AE931B73C59D7E0C089C0");
}

TEST(NtHashTest, Utf16LeEncodesEveryPlane) {
  EXPECT_EQ(Utf16Le("A"), std::string("A\0", 2));
  EXPECT_EQ(Utf16Le("\xc3\xa9"), std::string("\xe9\x00", 2));           // é
  EXPECT_EQ(Utf16Le("\xe2\x82\xac"), std::string("\xac\x20", 2));       // €
  EXPECT_EQ(Utf16Le("\xf0\x9f\x98\x80"), std::string("\x3d\xd8\x00\xde", 4));  // U+1F600
  EXPECT_EQ(Utf16Le("\xff"), std::string("\xff\x00", 2));  // not UTF-8: Latin-1
  EXPECT_EQ(Utf16Le("\xc3"), std::string("\xc3\x00", 2));  // truncated sequence
  EXPECT_EQ(Utf16Le("\xc0\x80"), std::string("\xc0\x00\x80\x00", 4));  // overlong
}

}  // namespace
}  // namespace nasd::meta
