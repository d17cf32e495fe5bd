#include "nfs/xdr.h"

#include <gtest/gtest.h>

namespace nasd::nfs {
namespace {

TEST(Xdr, RoundTripsEveryType) {
  XdrWriter w;
  w.U32(0xdeadbeef);
  w.I32(-2);
  w.U64(0x0102030405060708ULL);
  w.Bool(true);
  w.Opaque("abcde");
  w.FixedOpaque("xy");
  EXPECT_EQ(w.size(), 4u + 4 + 8 + 4 + (4 + 8) + 4);
  XdrReader r(w.buffer());
  EXPECT_EQ(r.U32(), 0xdeadbeefu);
  EXPECT_EQ(r.I32(), -2);
  EXPECT_EQ(r.U64(), 0x0102030405060708ULL);
  EXPECT_TRUE(r.Bool());
  EXPECT_EQ(r.Opaque(5), "abcde");
  EXPECT_EQ(r.FixedOpaque(2), "xy");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(Xdr, PadsOpaqueToFourBytesWithZeros) {
  XdrWriter w;
  w.Opaque("a");
  EXPECT_EQ(w.buffer(), std::string("\0\0\0\1a\0\0\0", 8));
}

TEST(Xdr, TruncatedInputFailsWithOffsetAndStaysFailed) {
  std::string two("\0\1", 2);
  XdrReader r(two);
  EXPECT_EQ(r.U32(), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("truncated uint32"), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  // Later reads fail too, even ones the bytes would allow.
  EXPECT_EQ(r.FixedOpaque(1), "");
  EXPECT_FALSE(r.ok());
}

TEST(Xdr, OpaqueLongerThanItsLimitFailsBeforeReading) {
  XdrWriter w;
  w.Opaque(std::string(100, 'x'));
  XdrReader r(w.buffer());
  EXPECT_EQ(r.Opaque(99), "");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("exceeds 99"), std::string::npos) << r.status().message();
}

TEST(Xdr, HugeDeclaredLengthWithFewBytesIsTruncation) {
  XdrWriter w;
  w.U32(0xffffffffu);  // 4 GiB claimed
  w.U32(1);
  XdrReader r(w.buffer());
  EXPECT_EQ(r.Opaque(SIZE_MAX), "");
  EXPECT_FALSE(r.ok());
}

TEST(Xdr, MissingPaddingIsTruncation) {
  std::string bytes("\0\0\0\1a", 5);
  XdrReader r(bytes);
  r.Opaque(10);
  EXPECT_FALSE(r.ok());
}

TEST(Xdr, BoolOtherThanZeroOrOneIsMalformed) {
  XdrWriter w;
  w.U32(2);
  XdrReader r(w.buffer());
  r.Bool();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bool value 2"), std::string::npos);
}

TEST(Xdr, PatchFillsAReservedSlot) {
  XdrWriter w;
  size_t at = w.Reserve();
  w.U32(7);
  w.Patch(at, 42);
  XdrReader r(w.buffer());
  EXPECT_EQ(r.U32(), 42u);
  EXPECT_EQ(r.U32(), 7u);
}

TEST(Xdr, OpaqueTailIsKeptApartAndEncodesLikeOpaque) {
  for (std::string data : {std::string(), std::string("a"), std::string("abcde"), std::string(1 << 16, 'z')}) {
    XdrWriter plain;
    plain.U32(9);
    plain.Opaque(data);
    XdrWriter tailed;
    tailed.U32(9);
    tailed.OpaqueTail(data);
    EXPECT_EQ(tailed.size(), plain.size());
    XdrMessage m = tailed.TakeMessage();
    EXPECT_EQ(m.head.size(), 8u) << "the bytes must not be copied into the head";
    std::string tail;
    for (const SharedBytes& piece : m.tail) tail.append(piece.bytes);
    EXPECT_EQ(tail, data);
    EXPECT_EQ(m.tail_size, data.size());
    EXPECT_EQ(m.size(), plain.size());
    EXPECT_EQ(std::move(m).Flatten(), plain.buffer());
    XdrWriter folded;
    folded.U32(9);
    folded.OpaqueTail(data);
    EXPECT_EQ(folded.Take(), plain.buffer());
  }
}

}  // namespace
}  // namespace nasd::nfs
