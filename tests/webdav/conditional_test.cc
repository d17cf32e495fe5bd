#include "webdav/conditional.h"

#include <gtest/gtest.h>

namespace nasd::webdav {
namespace {

http::Request Req(std::string method, std::vector<std::pair<std::string, std::string>> headers) {
  http::Request r;
  r.method = std::move(method);
  for (auto& [k, v] : headers) r.headers.Set(k, v);
  return r;
}

const Validators kV{true, "\"abc\"", 1000000};

TEST(ConditionalTest, EtagIsStrongAndChangesWithContent) {
  vfs::Attr a;
  a.ino = 5;
  a.generation = 1;
  a.size = 10;
  a.mtime_ns = 123;
  std::string e = MakeEtag(a);
  EXPECT_EQ(e.front(), '"');
  EXPECT_EQ(e.back(), '"');
  a.size = 11;
  EXPECT_NE(MakeEtag(a), e);
}

TEST(ConditionalTest, DatesRoundTrip) {
  EXPECT_EQ(FormatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994"), 784111777);
  EXPECT_FALSE(ParseHttpDate("yesterday"));
}

TEST(ConditionalTest, IfMatchAndIfNoneMatch) {
  EXPECT_EQ(EvaluatePreconditions(Req("GET", {{"if-match", "\"abc\""}}), kV),
            Precondition::kProceed);
  EXPECT_EQ(EvaluatePreconditions(Req("GET", {{"if-match", "\"x\", \"abc\""}}), kV),
            Precondition::kProceed);
  EXPECT_EQ(EvaluatePreconditions(Req("GET", {{"if-match", "W/\"abc\""}}), kV),
            Precondition::kFailed);
  EXPECT_EQ(EvaluatePreconditions(Req("PUT", {{"if-match", "*"}}), Validators{}),
            Precondition::kFailed);
  EXPECT_EQ(EvaluatePreconditions(Req("GET", {{"if-none-match", "W/\"abc\""}}), kV),
            Precondition::kNotModified);
  EXPECT_EQ(EvaluatePreconditions(Req("PUT", {{"if-none-match", "*"}}), kV), Precondition::kFailed);
  EXPECT_EQ(EvaluatePreconditions(Req("PUT", {{"if-none-match", "*"}}), Validators{}),
            Precondition::kProceed);
}

TEST(ConditionalTest, Dates) {
  const std::string before = FormatHttpDate(kV.mtime_s - 10);
  const std::string after = FormatHttpDate(kV.mtime_s + 10);
  EXPECT_EQ(EvaluatePreconditions(Req("GET", {{"if-modified-since", after}}), kV),
            Precondition::kNotModified);
  EXPECT_EQ(EvaluatePreconditions(Req("GET", {{"if-modified-since", before}}), kV),
            Precondition::kProceed);
  EXPECT_EQ(EvaluatePreconditions(Req("PUT", {{"if-unmodified-since", before}}), kV),
            Precondition::kFailed);
  EXPECT_EQ(EvaluatePreconditions(Req("PUT", {{"if-unmodified-since", after}}), kV),
            Precondition::kProceed);
  // If-None-Match wins over If-Modified-Since.
  EXPECT_EQ(EvaluatePreconditions(
                Req("GET", {{"if-none-match", "\"zzz\""}, {"if-modified-since", after}}), kV),
            Precondition::kProceed);
  EXPECT_EQ(EvaluatePreconditions(Req("GET", {{"if-modified-since", "garbage"}}), kV),
            Precondition::kProceed);
}

TEST(ConditionalTest, IfRange) {
  EXPECT_TRUE(IfRangeAllows(Req("GET", {}), kV));
  EXPECT_TRUE(IfRangeAllows(Req("GET", {{"if-range", "\"abc\""}}), kV));
  EXPECT_FALSE(IfRangeAllows(Req("GET", {{"if-range", "\"old\""}}), kV));
  EXPECT_FALSE(IfRangeAllows(Req("GET", {{"if-range", "W/\"abc\""}}), kV));
  EXPECT_TRUE(IfRangeAllows(Req("GET", {{"if-range", FormatHttpDate(kV.mtime_s)}}), kV));
  EXPECT_FALSE(IfRangeAllows(Req("GET", {{"if-range", FormatHttpDate(kV.mtime_s - 1)}}), kV));
}

}  // namespace
}  // namespace nasd::webdav
