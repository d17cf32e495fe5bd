#include "common/status.h"

#include <gtest/gtest.h>

namespace nasd {
namespace {

TEST(StatusTest, OkByDefault) {
  Status st;
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(st.ToString(), "ok");
}

TEST(StatusTest, CarriesCodeAndMessage) {
  Status st = NotFound("share 'x' does not exist");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_EQ(st.ToString(), "not_found: share 'x' does not exist");
  EXPECT_EQ(st.WithContext("get share").message(), "get share: share 'x' does not exist");
}

TEST(StatusTest, OneTableMapsEveryProtocol) {
  EXPECT_EQ(ToErrno(Code::kNotFound), ENOENT);
  EXPECT_EQ(ToHttpStatus(Code::kNotFound), 404);
  EXPECT_EQ(ToHttpStatus(Code::kUnauthenticated), 401);
  EXPECT_EQ(ToHttpStatus(Code::kTooLarge), 413);
  EXPECT_EQ(ToErrno(Code::kNoSpace), ENOSPC);
  EXPECT_EQ(ToErrno(Code::kCorruption), EIO);
  EXPECT_EQ(CodeName(Code::kCorruption), "corruption");
  EXPECT_TRUE(IsRetryable(Code::kConflict));
  EXPECT_FALSE(IsRetryable(Code::kCorruption));
}

TEST(StatusTest, ErrnoMapping) {
  EXPECT_EQ(CodeFromErrno(ENOSPC), Code::kNoSpace);
  EXPECT_EQ(CodeFromErrno(ENOENT), Code::kNotFound);
  EXPECT_EQ(CodeFromErrno(ECONNREFUSED), Code::kNetworkError);
  EXPECT_EQ(CodeFromErrno(EPERM), Code::kNotPermitted);
  EXPECT_EQ(CodeFromErrno(ENOTDIR), Code::kNotDirectory);
  EXPECT_EQ(ToErrno(CodeFromErrno(EXDEV)), EXDEV);
  Status st = ErrnoStatus(ENOSPC, "write chunk");
  EXPECT_EQ(st.code(), Code::kNoSpace);
  EXPECT_NE(st.message().find("write chunk"), std::string::npos);
}

Result<int> Half(int n) {
  if (n % 2 != 0) return InvalidArgument("odd");
  return n / 2;
}

Result<int> Quarter(int n) {
  NASD_ASSIGN_OR_RETURN(int h, Half(n));
  return Half(h);
}

TEST(ResultTest, ValueOrStatus) {
  auto r = Quarter(8);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 2);
  auto bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace nasd
