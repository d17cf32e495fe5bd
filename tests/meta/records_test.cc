#include "meta/records.h"

#include <gtest/gtest.h>

#include "meta/keys.h"

namespace nasd::meta {
namespace {

InodeRecord Sample() {
  InodeRecord r;
  r.type = FileType::kDirectory;
  r.mode = 01777;
  r.uid = 1000;
  r.gid = 100;
  r.nlink = 7;
  r.size = 1ull << 40;
  r.atime_ns = -5;
  r.mtime_ns = 1'700'000'000'123'456'789;
  r.ctime_ns = 3;
  r.crtime_ns = 4;
  r.generation = 9;
  r.parent = 42;
  return r;
}

TEST(RecordsTest, InodeRoundTripsAndHasAFixedLayout) {
  std::string enc = EncodeInode(Sample());
  EXPECT_EQ(enc.size(), 74u);
  EXPECT_EQ(static_cast<uint8_t>(enc[0]), kRecordV1);
  auto dec = DecodeInode(enc);
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(*dec, Sample());
}

TEST(RecordsTest, MalformedInodesAreCorruption) {
  std::string enc = EncodeInode(Sample());
  EXPECT_EQ(DecodeInode(enc.substr(0, enc.size() - 1)).status().code(), Code::kCorruption);
  EXPECT_EQ(DecodeInode(enc + "x").status().code(), Code::kCorruption);
  EXPECT_EQ(DecodeInode("").status().code(), Code::kCorruption);
  std::string bad_version = enc;
  bad_version[0] = 2;
  EXPECT_EQ(DecodeInode(bad_version).status().code(), Code::kCorruption);
  std::string bad_type = enc;
  bad_type[1] = 9;
  EXPECT_EQ(DecodeInode(bad_type).status().code(), Code::kCorruption);
  std::string bad_mode = enc;
  bad_mode[4] = 1;  // mode bit 0x10000
  EXPECT_EQ(DecodeInode(bad_mode).status().code(), Code::kCorruption);
}

TEST(RecordsTest, DirEntryShareFsAndBlobs) {
  DirEntryRecord e{77, FileType::kSymlink};
  EXPECT_EQ(*DecodeDirEntry(EncodeDirEntry(e)), e);
  EXPECT_EQ(EncodeDirEntry(e).size(), 10u);
  EXPECT_EQ(DecodeDirEntry(EncodeDirEntry(DirEntryRecord{0, FileType::kRegular})).status().code(),
            Code::kCorruption);
  EXPECT_EQ(DecodeDirEntry(std::string(1, '\0')).status().code(),
            Code::kCorruption);  // a tombstone is no entry

  ShareFsRecord fs{3, 1, 99};
  auto dec = DecodeShareFs(EncodeShareFs(fs));
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(dec->epoch, 3u);
  EXPECT_EQ(dec->root, 1u);
  EXPECT_EQ(dec->created_ns, 99);
  EXPECT_EQ(DecodeShareFs(EncodeShareFs(ShareFsRecord{0, 1, 0})).status().code(),
            Code::kCorruption);

  EXPECT_EQ(*DecodeBlob(EncodeBlob(std::string("a\0b", 3))), std::string("a\0b", 3));
  EXPECT_EQ(*DecodeBlob(EncodeBlob("")), "");
  EXPECT_EQ(DecodeBlob("").status().code(), Code::kCorruption);
  EXPECT_EQ(DecodeBlob("\x02x").status().code(), Code::kCorruption);
}

TEST(KeysTest, NewerVersionsSortFirstAndNamesStayTogether) {
  EXPECT_LT(keys::VersionedKey("k", 5), keys::VersionedKey("k", 4));
  EXPECT_LT(keys::VersionedKey("k", ~0ull - 1), keys::VersionedKey("k", 0));
  std::string_view base;
  uint64_t epoch = 0;
  std::string key = keys::VersionedKey("base", 12345);
  ASSERT_TRUE(keys::SplitVersionedKey(key, base, epoch));
  EXPECT_EQ(base, "base");
  EXPECT_EQ(epoch, 12345u);
  // No version of another name sorts between the versions of "a".
  for (std::string other : {"a\x01", "ab", "b", "", "\xff"}) {
    if (other.empty()) continue;
    for (uint64_t e : {0ull, 1ull, 99ull, ~0ull}) {
      std::string k = keys::DirEntryKey(1, 2, other, e);
      EXPECT_FALSE(k > keys::DirEntryKey(1, 2, "a", ~0ull) && k < keys::DirEntryKey(1, 2, "a", 0))
          << other;
    }
  }
  EXPECT_EQ(keys::DirEntryKey(1, 2, "a", 1).rfind(keys::DirEntryPrefix(1), 0), 0u);
  EXPECT_EQ(keys::InodeBase(1, 2).rfind(keys::ShareDataPrefix(1), 0), 0u);
  EXPECT_NE(keys::InodeBase(1, 2).rfind(keys::DirEntryPrefix(1), 0), 0u);
}

TEST(KeysTest, NameHashIsAStable63BitCookie) {
  // Part of the on-disk format (entry keys sort by it) and of NFS cookies
  // clients hold: these values must never change.
  EXPECT_EQ(keys::NameHash("a"), 4211967161484754565ull);
  EXPECT_EQ(keys::NameHash("hello.txt"), 7852974469565060629ull);
  for (int i = 0; i < 1000; ++i) {
    uint64_t h = keys::NameHash("name" + std::to_string(i));
    EXPECT_GE(h, keys::kFirstNameCookie);
    EXPECT_LT(h, 1ull << 63);
  }
  // The entry key carries the hash right after the directory.
  std::string key = keys::DirEntryKey(1, 2, "a", 1);
  std::string prefix = keys::DirPrefix(1, 2);
  uint64_t h = 0;
  ASSERT_TRUE(keys::ReadU64(std::string_view(key).substr(prefix.size()), h));
  EXPECT_EQ(h, keys::NameHash("a"));
}

}  // namespace
}  // namespace nasd::meta
