#include "nfs/record_marking.h"

#include <gtest/gtest.h>

#include "nfs/xdr.h"

namespace nasd::nfs {
namespace {

std::string Fragment(std::string_view body, bool last) {
  XdrWriter w;
  w.U32(static_cast<uint32_t>(body.size()) | (last ? kLastFragment : 0));
  w.buffer().append(body);
  return w.Take();
}

TEST(RecordMarking, JoinsFragmentsFedOneByteAtATime) {
  std::string wire = Fragment("hello ", false) + Fragment("", false) + Fragment("world", true);
  RecordAssembler a(1024);
  std::optional<std::string> rec;
  for (char c : wire) {
    EXPECT_EQ(a.Feed(std::string_view(&c, 1)), 1u);
    if (auto r = a.TakeRecord()) rec = r;
  }
  ASSERT_TRUE(rec);
  EXPECT_EQ(*rec, "hello world");
  EXPECT_TRUE(a.idle());
}

TEST(RecordMarking, StopsAfterEachRecordSoTwoInOneReadAreBothSeen) {
  std::string wire = FrameRecord("one") + FrameRecord("two");
  RecordAssembler a(1024);
  std::string_view data = wire;
  data.remove_prefix(a.Feed(data));
  EXPECT_EQ(a.TakeRecord(), "one");
  data.remove_prefix(a.Feed(data));
  EXPECT_EQ(a.TakeRecord(), "two");
  EXPECT_TRUE(data.empty());
}

// A reader receives the bulk of a large fragment in place, in pieces, mixed
// with fed bytes; the record comes out whole and the next one is unharmed.
TEST(RecordMarking, DirectSpaceReceivesALargeFragmentInPlace) {
  std::string head = "head-";
  std::string bulk(100000, 'b');
  bulk[0] = 'B';
  bulk.back() = 'E';
  std::string wire = Fragment(head, false) + Fragment(bulk, true) + FrameRecord("next");
  RecordAssembler a(1 << 20);
  EXPECT_TRUE(a.DirectSpace(1).empty()) << "no fragment started yet";
  // The headers and the first 10 bytes of the bulk fragment come through Feed.
  size_t fed = 4 + head.size() + 4 + 10;
  EXPECT_EQ(a.Feed(std::string_view(wire).substr(0, fed)), fed);
  EXPECT_TRUE(a.DirectSpace(200000).empty()) << "less than min_direct left";
  std::span<char> space = a.DirectSpace(1000);
  ASSERT_EQ(space.size(), bulk.size() - 10);
  // The socket gave only part of it; the rest comes in a second space.
  std::copy_n(wire.data() + fed, 5000, space.data());
  a.Filled(5000);
  fed += 5000;
  EXPECT_FALSE(a.TakeRecord());
  space = a.DirectSpace(1000);
  ASSERT_EQ(space.size(), bulk.size() - 5010);
  std::copy_n(wire.data() + fed, space.size(), space.data());
  a.Filled(space.size());
  fed += space.size();
  auto rec = a.TakeRecord();
  ASSERT_TRUE(rec);
  EXPECT_TRUE(*rec == head + bulk) << "the record is not the bytes sent";
  EXPECT_EQ(a.Feed(std::string_view(wire).substr(fed)), wire.size() - fed);
  EXPECT_EQ(a.TakeRecord(), "next");
  EXPECT_TRUE(a.idle());
}

TEST(RecordMarking, EmptyLastFragmentCompletesARecord) {
  RecordAssembler a(16);
  std::string wire = Fragment("", true);
  a.Feed(wire);
  EXPECT_EQ(a.TakeRecord(), "");
}

TEST(RecordMarking, OversizedFragmentFailsAtItsHeader) {
  RecordAssembler a(1000);
  XdrWriter w;
  w.U32(kLastFragment | 0x7fffffff);  // 2 GiB announced, nothing sent
  a.Feed(w.buffer());
  EXPECT_FALSE(a.status().ok());
  EXPECT_EQ(a.status().code(), Code::kTooLarge);
  EXPECT_FALSE(a.TakeRecord());
}

TEST(RecordMarking, FragmentsAddingUpPastTheLimitFail) {
  RecordAssembler a(10);
  std::string wire = Fragment("123456", false) + Fragment("78901", true);
  a.Feed(wire);
  EXPECT_FALSE(a.status().ok());
  EXPECT_NE(a.status().message().find("more than 10 bytes"), std::string::npos) << a.status().message();
}

TEST(RecordMarking, ExactlyTheLimitIsAccepted) {
  RecordAssembler a(10);
  std::string wire = Fragment("12345", false) + Fragment("67890", true);
  a.Feed(wire);
  EXPECT_TRUE(a.status().ok());
  EXPECT_EQ(a.TakeRecord(), "1234567890");
}

TEST(RecordMarking, PartialRecordIsNotIdle) {
  RecordAssembler a(100);
  std::string wire = Fragment("abc", true);
  a.Feed(wire.substr(0, 5));
  EXPECT_FALSE(a.idle());
  EXPECT_FALSE(a.TakeRecord());
}

}  // namespace
}  // namespace nasd::nfs
