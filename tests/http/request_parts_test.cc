#include "http/request_parts.h"

#include <gtest/gtest.h>

#include <set>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace nasd::http {
namespace {

TEST(ParseTargetTest, SplitsAndDecodes) {
  auto t = ParseTarget("/a%20b/c?x=1&name=hello+world%21&flag&=skip&&y=%2B");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->raw_path, "/a%20b/c");
  EXPECT_EQ(t->path, "/a b/c");
  EXPECT_EQ(t->query, (std::map<std::string, std::string>{
                          {"x", "1"}, {"name", "hello world!"}, {"flag", ""}, {"", "skip"},
                          {"y", "+"}}));
  auto plain = ParseTarget("/");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->path, "/");
  EXPECT_TRUE(plain->query.empty());
}

TEST(ParseTargetTest, RejectsBadTargets) {
  EXPECT_EQ(ParseTarget("http://host/x").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseTarget("*").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseTarget("/a%zz").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseTarget("/a%00").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseTarget("/a?x=%4").status().code(), Code::kInvalidArgument);
}

// A decoded path is matched segment by segment (Router), so "{p...}" would
// capture "../../x" and a "{name}" capture could span an encoded '/'.
TEST(ParseTargetTest, RejectsDotSegmentsAndEncodedSlashes) {
  for (const char* bad : {"/files/../etc", "/files/..", "/files/./a", "/.", "/..", "/a/%2e%2E/b",
                          "/a/.%2e", "/a/%2E", "/files/..%2F..%2Fetc", "/a%2Fb", "/a/b%2f",
                          "/a/../b?x=1"}) {
    auto t = ParseTarget(bad);
    EXPECT_EQ(t.status().code(), Code::kInvalidArgument) << bad;
  }
  for (const char* good : {"/files/..a", "/files/.hidden", "/a/...", "/a./b", "/a//b", "/a/",
                           "/?p=../x", "/a%2Cb"}) {
    auto t = ParseTarget(good);
    EXPECT_TRUE(t.ok()) << good << ": " << t.status().ToString();
  }
}

TEST(TransferEncodingTest, OnlyAFinalChunkedAlone) {
  using V = std::vector<std::string_view>;
  EXPECT_TRUE(CheckTransferEncoding(V{}).ok());
  EXPECT_TRUE(CheckTransferEncoding(V{"chunked"}).ok());
  EXPECT_TRUE(CheckTransferEncoding(V{"Chunked"}).ok());
  EXPECT_TRUE(CheckTransferEncoding(V{" chunked , "}).ok());
  for (V bad : {V{"chunked, gzip"}, V{"gzip"}, V{""}, V{"chunked", "gzip"}, V{"identity"}}) {
    EXPECT_EQ(CheckTransferEncoding(bad).code(), Code::kInvalidArgument) << bad[0];
  }
  for (V unsupported : {V{"gzip, chunked"}, V{"gzip", "chunked"}, V{"chunked, chunked"}}) {
    EXPECT_EQ(CheckTransferEncoding(unsupported).code(), Code::kNotSupported) << unsupported[0];
  }
}

TEST(RequestIdTest, SixteenHexAndUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewRequestId();
    ASSERT_EQ(id.size(), 16u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(TraceparentTest, AcceptsValidW3cHeaders) {
  EXPECT_EQ(TraceIdFromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TraceparentTest, RejectsInvalidHeaders) {
  for (const char* bad : {
           "",
           "garbage",
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // zero trace
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // zero parent
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",    // short
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", // long
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",   // separators
           "00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01",   // not hex
       }) {
    EXPECT_FALSE(TraceIdFromTraceparent(bad).has_value()) << bad;
  }
}

TEST(MethodLabelTest, BoundsUnknownMethods) {
  EXPECT_EQ(MethodLabel("GET"), "GET");
  EXPECT_EQ(MethodLabel("PROPFIND"), "PROPFIND");
  EXPECT_EQ(MethodLabel("BREW"), "OTHER");
  EXPECT_EQ(MethodLabel("get"), "OTHER");
}

TEST(CheckResponseHeaderTest, KeepsOrdinaryDropsOwnedAndUnsafe) {
  EXPECT_EQ(CheckResponseHeader("x-custom", "value; with=stuff"), HeaderVerdict::kKeep);
  EXPECT_EQ(CheckResponseHeader("etag", "\"abc\""), HeaderVerdict::kKeep);
  for (const char* owned : {"content-length", "connection", "date", "server", "transfer-encoding"}) {
    EXPECT_EQ(CheckResponseHeader(owned, "1"), HeaderVerdict::kServerOwned) << owned;
  }
  EXPECT_EQ(CheckResponseHeader("x-a", "1\r\nset-cookie: x=1"), HeaderVerdict::kUnsafe);
  EXPECT_EQ(CheckResponseHeader("x-a", "line\nbreak"), HeaderVerdict::kUnsafe);
  EXPECT_EQ(CheckResponseHeader("x-a", std::string_view("nul\0", 4)), HeaderVerdict::kUnsafe);
  EXPECT_EQ(CheckResponseHeader("", "v"), HeaderVerdict::kUnsafe);
  EXPECT_EQ(CheckResponseHeader("bad name", "v"), HeaderVerdict::kUnsafe);
  EXPECT_EQ(CheckResponseHeader("x:y", "v"), HeaderVerdict::kUnsafe);
  EXPECT_EQ(CheckResponseHeader("x\r\ny", "v"), HeaderVerdict::kUnsafe);
  // Clients refuse a field longer than that (Beast's parser throws).
  EXPECT_EQ(CheckResponseHeader("x-a", std::string(kMaxResponseFieldBytes, 'v')),
            HeaderVerdict::kKeep);
  EXPECT_EQ(CheckResponseHeader("x-a", std::string(70000, 'v')), HeaderVerdict::kUnsafe);
  EXPECT_EQ(CheckResponseHeader(std::string(70000, 'n'), "v"), HeaderVerdict::kUnsafe);
}

TEST(ResponseHeadTest, StatusLineHandlerHeadersThenTheServersOwn) {
  Headers h;
  h.Set("etag", "\"e1\"");
  h.Set("content-length", "999");  // the server's to say
  h.Set("x-evil", "a\r\nset-cookie: x=1");
  h.Set("content-type", "text/plain");
  std::vector<std::string> dropped;
  std::string head, date;
  do {  // within one second
    dropped.clear();
    date = HttpDate(std::chrono::system_clock::now());
    head = ResponseHead(206, h, "abc123", /*keep_alive=*/true, 42, &dropped);
  } while (date != HttpDate(std::chrono::system_clock::now()));
  EXPECT_EQ(head, "HTTP/1.1 206 Partial Content\r\n"
                  "etag: \"e1\"\r\n"
                  "content-type: text/plain\r\n"
                  "Server: nasd\r\n"
                  "Date: " + date + "\r\n"
                  "x-request-id: abc123\r\n"
                  "Content-Length: 42\r\n"
                  "\r\n");
  EXPECT_EQ(dropped, std::vector<std::string>{"x-evil"});
  const std::string closing = ResponseHead(304, Headers(), "id", /*keep_alive=*/false, std::nullopt, nullptr);
  EXPECT_TRUE(closing.starts_with("HTTP/1.1 304 Not Modified\r\n")) << closing;
  EXPECT_NE(closing.find("\r\nConnection: close\r\n"), std::string::npos) << closing;
  EXPECT_EQ(closing.find("Content-Length"), std::string::npos) << closing;
  EXPECT_TRUE(closing.ends_with("\r\n\r\n"));
  EXPECT_EQ(ResponseHead(599, Headers(), "id", true, 0, nullptr).substr(0, 15), "HTTP/1.1 599 \r\n");
}

TEST(ReasonPhraseTest, StandardAndWebDavCodes) {
  EXPECT_EQ(ReasonPhrase(200), "OK");
  EXPECT_EQ(ReasonPhrase(207), "Multi-Status");
  EXPECT_EQ(ReasonPhrase(423), "Locked");
  EXPECT_EQ(ReasonPhrase(507), "Insufficient Storage");
  EXPECT_EQ(ReasonPhrase(299), "");
}

TEST(HttpDateTest, ImfFixdate) {
  auto t = std::chrono::system_clock::from_time_t(784111777);
  EXPECT_EQ(HttpDate(t), "Sun, 06 Nov 1994 08:49:37 GMT");
  // Each second is formatted once per thread; the next one and going back
  // both give their own date.
  EXPECT_EQ(HttpDate(t + std::chrono::milliseconds(999)), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(HttpDate(t + std::chrono::seconds(1)), "Sun, 06 Nov 1994 08:49:38 GMT");
  EXPECT_EQ(HttpDate(t), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(HttpDate(std::chrono::system_clock::from_time_t(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
}

}  // namespace
}  // namespace nasd::http
