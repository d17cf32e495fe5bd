#include "http/message.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace nasd::http {
namespace {

TEST(HeadersTest, CaseInsensitiveAndStoredLowercase) {
  Headers h;
  h.Set("Content-Type", "text/plain");
  EXPECT_EQ(h.Get("content-type"), "text/plain");
  EXPECT_EQ(h.Get("CONTENT-TYPE"), "text/plain");
  ASSERT_EQ(h.all().size(), 1u);
  EXPECT_EQ(h.all()[0].first, "content-type");
  EXPECT_FALSE(h.Get("missing").has_value());
}

TEST(HeadersTest, SetReplacesAllAndAddAppends) {
  Headers h;
  h.Add("X-A", "1");
  h.Add("x-a", "2");
  EXPECT_EQ(h.all().size(), 2u);
  EXPECT_EQ(h.Get("X-a"), "1");  // first one wins
  h.Set("X-A", "3");
  ASSERT_EQ(h.all().size(), 1u);
  EXPECT_EQ(h.Get("x-a"), "3");
}

TEST(ResponseTest, JsonAndText) {
  Response j = Response::Json(201, R"({"ok":true})");
  EXPECT_EQ(j.status, 201);
  EXPECT_EQ(j.headers.Get("content-type"), "application/json");
  EXPECT_EQ(j.body, R"({"ok":true})");
  Response t = Response::Text(200, "hi");
  EXPECT_EQ(t.headers.Get("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(t.body, "hi");
}

TEST(ResponseTest, ErrorFromStatusUsesTheOneMapping) {
  Response r = Response::Error(NotFound("share 'x' does not exist"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers.Get("content-type"), "application/json");
  EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"share 'x' does not exist"}})");

  EXPECT_EQ(Response::Error(TooLarge("big")).status, 413);
  EXPECT_EQ(Response::Error(Unavailable("busy")).status, 503);
  EXPECT_EQ(Response::Error(Status(Code::kNoSpace, "full")).status, 507);
}

TEST(ResponseTest, ErrorEscapesAndSurvivesInvalidUtf8) {
  Response r = Response::Error(400, "invalid_argument", "bad \"name\"\n\xff\xfe");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["error"]["code"], "invalid_argument");
  std::string msg = j["error"]["message"];
  EXPECT_EQ(msg.substr(0, 11), "bad \"name\"\n");
  EXPECT_EQ(r.status, 400);
}

TEST(ResponseTest, ErrorFromOkStatusIsInternal) {
  Response r = Response::Error(Status::Ok());
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("\"internal\""), std::string::npos);
}

TEST(PercentDecodeTest, DecodesValidEscapes) {
  EXPECT_EQ(PercentDecode("/a%20b/%2Fc%7e"), "/a b//c~");
  EXPECT_EQ(PercentDecode("plain+text"), "plain+text");  // '+' is literal in paths
  EXPECT_EQ(PercentDecode(""), "");
  EXPECT_EQ(PercentDecode("%e2%82%ac"), "\xe2\x82\xac");
}

TEST(PercentDecodeTest, RejectsBadEscapesAndNul) {
  EXPECT_FALSE(PercentDecode("%").has_value());
  EXPECT_FALSE(PercentDecode("abc%2").has_value());
  EXPECT_FALSE(PercentDecode("%zz").has_value());
  EXPECT_FALSE(PercentDecode("%2g").has_value());
  EXPECT_FALSE(PercentDecode("/x%00y").has_value());
  // A raw NUL too (found by dav_parsers_fuzz: "/dav/<NUL>/c" named a share
  // that Href could not write back).
  EXPECT_FALSE(PercentDecode(std::string_view("/x\0y", 4)).has_value());
}

}  // namespace
}  // namespace nasd::http
