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
