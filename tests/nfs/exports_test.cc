#include "nfs/exports.h"

#include <gtest/gtest.h>

#include "nfs/file_handle.h"

namespace nasd::nfs {
namespace {

TEST(Cidr, MatchesPrefixesOfBothFamilies) {
  auto net = *Cidr::Parse("10.1.0.0/16");
  EXPECT_TRUE(net.Contains("10.1.200.3"));
  EXPECT_FALSE(net.Contains("10.2.0.1"));
  EXPECT_FALSE(net.Contains("::1"));
  EXPECT_TRUE(Cidr::Parse("0.0.0.0/0")->Contains("8.8.8.8"));
  EXPECT_TRUE(Cidr::Parse("127.0.0.1")->Contains("127.0.0.1"));
  EXPECT_FALSE(Cidr::Parse("127.0.0.1")->Contains("127.0.0.2"));
  EXPECT_TRUE(Cidr::Parse("fd00::/8")->Contains("fd12::1"));
  EXPECT_TRUE(Cidr::Parse("10.0.0.0/9")->Contains("10.127.0.1"));
  EXPECT_FALSE(Cidr::Parse("10.0.0.0/9")->Contains("10.128.0.1"));
}

TEST(Cidr, RejectsMalformedNetworks) {
  for (const char* bad : {"", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "host", "::/129", "1.2.3.4/-1"}) {
    EXPECT_FALSE(Cidr::Parse(bad).ok()) << bad;
  }
}

TEST(Squash, RootSquashAllSquashAndNone) {
  Credentials root{AuthFlavor::kSys, 0, 0, {0, 5}, "h"};
  Credentials user{AuthFlavor::kSys, 1000, 100, {7}, "h"};
  ExportRules r;
  r.anonuid = 99;
  r.anongid = 98;
  auto c = r.MapCaller(root);
  EXPECT_EQ(c.uid, 99u);
  EXPECT_EQ(c.gid, 98u);
  EXPECT_EQ(c.groups, (std::vector<uint32_t>{98, 5}));
  EXPECT_EQ(r.MapCaller(user).uid, 1000u);
  r.squash = Squash::kAll;
  EXPECT_EQ(r.MapCaller(user).uid, 99u);
  r.squash = Squash::kNone;
  EXPECT_EQ(r.MapCaller(root).uid, 0u);
  // AUTH_NONE is anonymous whatever the squash.
  EXPECT_EQ(r.MapCaller(Credentials{}).uid, 99u);
  EXPECT_FALSE(ParseSquash("squash_all").ok());
}

TEST(FileHandle, RoundTripsAndRejectsEveryCorruption) {
  FileHandle fh{7, 0, 123456789, 3};
  std::string bytes = fh.Encode();
  ASSERT_EQ(bytes.size(), kFileHandleSize);
  EXPECT_EQ(*FileHandle::Decode(bytes), fh);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x40;
    EXPECT_FALSE(FileHandle::Decode(bad).ok()) << "byte " << i;
  }
  for (size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(FileHandle::Decode(bytes.substr(0, n)).ok());
  EXPECT_FALSE(FileHandle::Decode(bytes + "x").ok());
}

}  // namespace
}  // namespace nasd::nfs
