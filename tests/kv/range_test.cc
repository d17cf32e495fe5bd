#include <string>

#include <gtest/gtest.h>

#include "kv/kv_engine.h"

namespace nasd::kv {
namespace {

std::string B(const char* bytes, size_t n) { return std::string(bytes, n); }

TEST(RangePrefixTest, IncrementsLastByte) {
  Range r = Range::Prefix("abc");
  EXPECT_EQ(r.begin, "abc");
  EXPECT_EQ(r.end, "abd");
}

TEST(RangePrefixTest, KeepsEmbeddedNulBytes) {
  Range r = Range::Prefix(B("a\0", 2));
  EXPECT_EQ(r.begin, B("a\0", 2));
  EXPECT_EQ(r.end, "a\x01");
  EXPECT_EQ(Range::Prefix(B("\0", 1)).end, "\x01");
}

TEST(RangePrefixTest, DropsTrailingFfBytes) {
  EXPECT_EQ(Range::Prefix("ab\xff").end, "ac");
  EXPECT_EQ(Range::Prefix("a\xff\xff").end, "b");
  EXPECT_EQ(Range::Prefix("\xfe\xff").end, "\xff");
  EXPECT_EQ(Range::Prefix("ab\xff").begin, "ab\xff");
}

TEST(RangePrefixTest, IncrementsBytesAboveSeventyF) {
  EXPECT_EQ(Range::Prefix("\x7f").end, "\x80");
  EXPECT_EQ(Range::Prefix("a\xfe").end, "a\xff");
}

TEST(RangePrefixTest, AllFfOrEmptyIsUnbounded) {
  Range all_ff = Range::Prefix("\xff\xff");
  EXPECT_EQ(all_ff.begin, "\xff\xff");
  EXPECT_TRUE(all_ff.end.empty());
  Range empty = Range::Prefix("");
  EXPECT_TRUE(empty.begin.empty());
  EXPECT_TRUE(empty.end.empty());
}

TEST(WriteBatchTest, RecordsOpsInOrder) {
  WriteBatch batch;
  EXPECT_TRUE(batch.empty());
  batch.Put(B("k\0", 2), B("v\0", 2));
  batch.Delete("d");
  ASSERT_EQ(batch.ops().size(), 2u);
  EXPECT_FALSE(batch.ops()[0].is_delete);
  EXPECT_EQ(batch.ops()[0].key, B("k\0", 2));
  EXPECT_EQ(batch.ops()[0].value, B("v\0", 2));
  EXPECT_TRUE(batch.ops()[1].is_delete);
  EXPECT_EQ(batch.ops()[1].key, "d");
}

}  // namespace
}  // namespace nasd::kv
