// Request handling of a real Server on 127.0.0.1, over Fetch and raw sockets.
#include "http/server.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>

#include "http/test_support.h"
#include "metrics/promtool_check.h"

namespace nasd::http {
namespace {

using namespace std::chrono_literals;
using testing::RawClient;
using testing::RawResponse;
using testing::TestServer;

std::string ErrorCode(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.contains("error")) return "<not a json error: " + body + ">";
  return j["error"]["code"];
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Router& r = ts_.router();
    r.Add("GET", "/hello", [](Request&) { return Response::Text(200, "hello"); });
    r.Add("GET", "/shares/{name}", [](Request& req) {
      nlohmann::json j = {{"name", req.params["name"]}, {"query", req.query}};
      return Response::Json(200, j.dump());
    });
    r.Add("GET", "/files/{path...}",
          [](Request& req) { return Response::Text(200, req.params["path"]); });
    r.Add("POST", "/echo",
          [this](Request& req) {
            ++echo_calls_;
            return Response::Text(200, req.body);
          },
          {.max_body_bytes = 1024});
    r.Add("GET", "/secret", [](Request&) { return Response::Text(200, "secret"); },
          {.requires_auth = true});
    r.Add("POST", "/secret-upload", [](Request& req) { return Response::Text(200, req.body); },
          {.max_body_bytes = 1 << 20, .requires_auth = true});
    r.Add("GET", "/throw", [](Request&) -> Response { throw std::runtime_error("boom"); });
    r.Add("GET", "/id", [](Request& req) { return Response::Text(200, req.request_id); });
    r.Add("GET", "/headers", [](Request&) {
      Response resp = Response::Text(200, "h");
      resp.headers.Set("X-Custom", "yes");
      resp.headers.Set("X-Injected", "a\r\nSet-Cookie: evil=1");
      resp.headers.Set("Content-Length", "999");
      return resp;
    });
    r.Add("GET", "/huge-header", [](Request&) {
      Response resp = Response::Text(200, "big");
      resp.headers.Set("X-Huge", std::string(70000, 'h'));  // Beast throws on > 65533
      return resp;
    });
    r.Add("DELETE", "/empty", [](Request&) { return Response{.status = 204}; });
    r.Add("GET", "/bad-status", [](Request&) { return Response{.status = 101}; });
    ts_.options().authenticate = [](const Request& req) {
      return req.headers.Get("authorization") == "Bearer s3cret";
    };
    ASSERT_TRUE(ts_.Start());
  }

  TestServer ts_;
  std::atomic<int> echo_calls_{0};
};

TEST_F(ServerTest, RoutesWithParamsAndQuery) {
  auto r = ts_.Fetch("GET", "/hello");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");

  r = ts_.Fetch("GET", "/shares/my%20docs?force=true&tag=a+b");
  ASSERT_TRUE(r.ok());
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["name"], "my docs");
  EXPECT_EQ(j["query"]["force"], "true");
  EXPECT_EQ(j["query"]["tag"], "a b");

  r = ts_.Fetch("GET", "/files/a/b/c.txt");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "a/b/c.txt");
}

TEST_F(ServerTest, UnknownPathIs404AndWrongMethodIs405) {
  auto r = ts_.Fetch("GET", "/nope");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(ErrorCode(r->body), "not_found");
  EXPECT_EQ(r->headers.Get("content-type"), "application/json");

  r = ts_.Fetch("POST", "/hello", "x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->headers.Get("allow"), "GET, HEAD");
  EXPECT_EQ(ErrorCode(r->body), "not_supported");
}

TEST_F(ServerTest, StandardResponseHeaders) {
  auto r = ts_.Fetch("GET", "/hello");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->headers.Get("server"), "nasd");
  EXPECT_EQ(r->headers.Get("content-length"), "5");
  auto date = r->headers.Get("date");
  ASSERT_TRUE(date.has_value());
  EXPECT_TRUE(date->ends_with(" GMT")) << *date;
  EXPECT_EQ(date->size(), 29u) << *date;
}

TEST_F(ServerTest, HandlerHeadersPassButServerOwnedAndInjectedOnesAreDropped) {
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("GET /headers HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->Header("x-custom"), "yes");
  EXPECT_EQ(r->Header("x-injected"), "");
  EXPECT_EQ(r->Header("set-cookie"), "");
  EXPECT_EQ(r->Header("content-length"), "1");
  EXPECT_EQ(r->body, "h");
}

// A header Beast cannot represent used to throw out of the session
// coroutine: no reply, the socket and its conns_ entry leaked, and Stop()
// then waited for that connection forever.
TEST_F(ServerTest, OverlongHandlerHeaderIsDroppedAndTheConnectionLives) {
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("GET /huge-header HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.Read(3s);
  ASSERT_TRUE(r.has_value()) << "no reply";
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("x-huge"), "");
  EXPECT_EQ(r->body, "big");
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto next = c.Read(3s);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->body, "hello");
}

TEST_F(ServerTest, NoContentHasNoBodyOrLength) {
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("DELETE /empty HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->Header("content-length"), "");
  auto next = c.Read();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->body, "hello");
}

TEST_F(ServerTest, InvalidHandlerStatusIs500) {
  auto r = ts_.Fetch("GET", "/bad-status");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(ErrorCode(r->body), "internal");
}

TEST_F(ServerTest, HeadGetsHeadersWithoutBody) {
  auto r = ts_.Fetch("HEAD", "/hello");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers.Get("content-length"), "5");
  EXPECT_EQ(r->body, "");

  // On a raw connection, the next response must follow the HEAD headers
  // immediately: any body bytes would corrupt it.
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = c.Read(5s, /*head=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-length"), "5");
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto get = c.Read();
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "hello");
  EXPECT_EQ(c.pending(), "");
}

TEST_F(ServerTest, BodyWithinLimitReachesHandler) {
  auto r = ts_.Fetch("POST", "/echo", std::string(1024, 'a'));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), 1024u);

  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  auto raw = c.Read();
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->status, 200);
  EXPECT_EQ(raw->body, "hello world");
}

TEST_F(ServerTest, ContentLengthOverLimitIs413BeforeTheHandler) {
  auto r = ts_.Fetch("POST", "/echo", std::string(1025, 'a'));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(ErrorCode(r->body), "too_large");
  EXPECT_EQ(echo_calls_.load(), 0);

  // Announced but not sent: the server must answer from the header alone.
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n"));
  auto raw = c.Read(2s);
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->status, 413);
  EXPECT_EQ(raw->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed(2s));
  EXPECT_EQ(echo_calls_.load(), 0);
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413) {
  RawClient c(ts_.port());
  std::string req = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) req += "200\r\n" + std::string(512, 'z') + "\r\n";  // 1536 bytes
  req += "0\r\n\r\n";
  ASSERT_TRUE(c.Send(req));
  auto raw = c.Read();
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->status, 413);
  EXPECT_EQ(ErrorCode(raw->body), "too_large");
  EXPECT_TRUE(c.WaitClosed(2s));
  EXPECT_EQ(echo_calls_.load(), 0);
}

// The read buffer is capped (see below), yet bodies far larger than the cap
// stream through it, with Content-Length or as one huge chunk.
TEST(ServerBodyTest, BodiesLargerThanTheReadBufferArrive) {
  TestServer ts;
  ts.router().Add("POST", "/size", [](Request& req) {
    return Response::Text(200, std::to_string(req.body.size()) + ":" +
                                   std::to_string(std::count(req.body.begin(), req.body.end(), 'q')));
  }, {.max_body_bytes = 8 << 20});
  ASSERT_TRUE(ts.Start());
  const std::string body(3 << 20, 'q');
  auto r = ts.Fetch("POST", "/size", body);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "3145728:3145728");
  RawClient c(ts.port());
  ASSERT_TRUE(c.Send("POST /size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n300000\r\n" +
                     body + "\r\n0\r\n\r\n"));
  auto raw = c.Read();
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->status, 200);
  EXPECT_EQ(raw->body, "3145728:3145728");
}

// Chunk extensions and trailer fields are neither header nor body, so neither
// header_limit nor body_limit bounds them: without a cap on the read buffer a
// client could make the server buffer gigabytes of one endless chunk line.
TEST_F(ServerTest, EndlessChunkExtensionOrTrailerIs400NotUnboundedBuffering) {
  const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  // 512 KiB: well past any sane chunk line, yet within what the lingering
  // close drains, so the reply is not lost to a reset.
  const std::string endless_ext = head + "1;" + std::string(512 << 10, 'e');
  std::string endless_trailer = head + "0\r\n";
  while (endless_trailer.size() < (512u << 10)) endless_trailer += "x-t: v\r\n";
  for (const std::string& req : {endless_ext, endless_trailer}) {
    RawClient c(ts_.port());
    ASSERT_TRUE(c.Send(req));
    auto raw = c.Read(3s);
    ASSERT_TRUE(raw.has_value()) << "no reply: the server is still buffering";
    EXPECT_EQ(raw->status, 400);
    EXPECT_EQ(ErrorCode(raw->body), "invalid_argument");
    EXPECT_TRUE(c.WaitClosed(2s));
  }
  EXPECT_EQ(echo_calls_.load(), 0);
}

// A request whose Transfer-Encoding does not end in chunked has no knowable
// length: Beast read its body as empty and served the body as a second
// request (smuggling). Other codings would reach handlers still encoded.
TEST_F(ServerTest, TransferEncodingOtherThanChunkedIsRefusedAndClosed) {
  struct Case {
    std::string te;
    int status;
  };
  for (const Case& tc : {Case{"Transfer-Encoding: chunked, gzip\r\n", 400},
                         Case{"Transfer-Encoding: gzip, chunked\r\n", 501},
                         Case{"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", 501}}) {
    RawClient c(ts_.port());
    ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\n" + tc.te +
                       "\r\n20\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n\r\n0\r\n\r\n"));
    auto r = c.Read(2s);
    ASSERT_TRUE(r.has_value()) << tc.te;
    EXPECT_EQ(r->status, tc.status) << tc.te;
    EXPECT_EQ(r->Header("connection"), "close") << tc.te;
    EXPECT_TRUE(c.WaitClosed(2s)) << tc.te;
  }
  EXPECT_EQ(echo_calls_.load(), 0);
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
                     "3\r\nabc\r\n0\r\n\r\n"));
  auto ok = c.Read(2s);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "abc");
}

TEST_F(ServerTest, ExpectContinueIsAnswered) {
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  auto cont = c.Read(2s);
  ASSERT_TRUE(cont.has_value());
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.Send("ping"));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ping");
}

TEST_F(ServerTest, MalformedRequestsAre400AndClosed) {
  for (const char* bad : {
           "GARBAGE\r\n\r\n",
           "GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
           "GET /hello HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
           "GET /bad%zzescape HTTP/1.1\r\nHost: x\r\n\r\n",
           "GET /nul%00 HTTP/1.1\r\nHost: x\r\n\r\n",
           "GET http://example.com/hello HTTP/1.1\r\nHost: x\r\n\r\n",
       }) {
    RawClient c(ts_.port());
    ASSERT_TRUE(c.Send(bad));
    auto r = c.Read();
    ASSERT_TRUE(r.has_value()) << bad;
    EXPECT_EQ(r->status, 400) << bad;
    EXPECT_EQ(ErrorCode(r->body), "invalid_argument") << bad;
  }
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("NOT A REQUEST AT ALL\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed(2s));
}

TEST_F(ServerTest, OversizedHeaderIs431) {
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'b') +
                     "\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(ErrorCode(r->body), "too_large");
  EXPECT_TRUE(c.WaitClosed(2s));
}

TEST_F(ServerTest, AuthRequiredRoutes) {
  auto r = ts_.Fetch("GET", "/secret");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->headers.Get("www-authenticate"), "Bearer");
  EXPECT_EQ(ErrorCode(r->body), "unauthenticated");

  Headers wrong;
  wrong.Set("Authorization", "Bearer nope");
  r = ts_.Fetch("GET", "/secret", "", wrong);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);

  Headers right;
  right.Set("Authorization", "Bearer s3cret");
  r = ts_.Fetch("GET", "/secret", "", right);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "secret");

  // Routes without requires_auth never consult the authenticator.
  r = ts_.Fetch("GET", "/hello");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
}

// Auth is decided on the header: a client without credentials neither gets
// 100 Continue nor makes the server wait for (and buffer) its body.
TEST_F(ServerTest, AuthIsCheckedBeforeTheBodyIsRead) {
  for (const char* expect : {"", "Expect: 100-continue\r\n"}) {
    RawClient c(ts_.port());
    ASSERT_TRUE(c.Send(std::string("POST /secret-upload HTTP/1.1\r\nHost: x\r\n") + expect +
                       "Content-Length: 500000\r\n\r\n"));  // the body never comes
    auto r = c.Read(2s);
    ASSERT_TRUE(r.has_value()) << "no reply: the server waits for the body" << expect;
    EXPECT_EQ(r->status, 401) << expect;
    EXPECT_EQ(r->Header("www-authenticate"), "Bearer");
    EXPECT_EQ(r->Header("connection"), "close");
    EXPECT_TRUE(c.WaitClosed(2s));
  }
  Headers right;
  right.Set("Authorization", "Bearer s3cret");
  auto ok = ts_.Fetch("POST", "/secret-upload", "payload", right);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "payload");
}

TEST(ServerAuthTest, UnsetAuthenticatorRefusesEveryone) {
  TestServer ts;
  ts.router().Add("GET", "/secret", [](Request&) { return Response::Text(200, "x"); },
                  {.requires_auth = true});
  ASSERT_TRUE(ts.Start());
  Headers h;
  h.Set("Authorization", "Bearer anything");
  auto r = ts.Fetch("GET", "/secret", "", h);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
}

// WebDAV routes carry their own challenge (clients only offer Basic when
// asked to), and what the authenticator learns reaches the handler.
TEST(ServerAuthTest, RouteChallengeAndAuthenticatedIdentity) {
  TestServer ts;
  ts.router().Add("GET", "/dav", [](Request& req) {
    return Response::Text(200, req.user + (req.admin ? ":admin" : ":user"));
  }, {.requires_auth = true, .auth_challenge = "Basic realm=\"nasd\", charset=\"UTF-8\""});
  ts.options().authenticate = [](Request& req) {
    if (req.headers.Get("authorization") != "Basic YWxpY2U6cHc=") return false;
    req.user = "alice";
    return true;
  };
  ASSERT_TRUE(ts.Start());
  auto r = ts.Fetch("GET", "/dav");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->headers.Get("www-authenticate"), "Basic realm=\"nasd\", charset=\"UTF-8\"");
  Headers h;
  h.Set("Authorization", "Basic YWxpY2U6cHc=");
  r = ts.Fetch("GET", "/dav", "", h);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "alice:user");
}

// WebDAV verbs (and any other method token) reach the router as sent, with
// their bodies.
TEST(ServerMethodTest, WebDavAndUnknownMethodsReachTheRouter) {
  TestServer ts;
  const std::vector<std::string> methods = {"PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE",
                                            "LOCK",     "UNLOCK",    "OPTIONS", "REPORT",
                                            "VERSION-CONTROL", "NASDPROBE"};
  for (const std::string& m : methods) {
    if (m.find('-') != std::string::npos) continue;  // not a Router method name
    ts.router().Add(m, "/dav/{path...}", [](Request& req) {
      return Response::Text(207, req.method + " " + req.params["path"] + " " + req.body);
    });
  }
  ASSERT_TRUE(ts.Start());
  for (const std::string& m : methods) {
    auto r = ts.Fetch(m, "/dav/a/b", "<x/>");
    ASSERT_TRUE(r.ok()) << m << ": " << r.status().ToString();
    if (m.find('-') != std::string::npos) {
      EXPECT_EQ(r->status, 405) << m;  // parsed and routed, just not registered
      continue;
    }
    EXPECT_EQ(r->status, 207) << m;
    EXPECT_EQ(r->body, m + " a/b <x/>") << m;
  }
}

TEST_F(ServerTest, RequestIdsArePresentAndUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    auto r = ts_.Fetch("GET", i % 2 ? "/id" : "/nope");
    ASSERT_TRUE(r.ok());
    auto id = r->headers.Get("x-request-id");
    ASSERT_TRUE(id.has_value());
    EXPECT_EQ(id->size(), 16u);
    EXPECT_EQ(id->find_first_not_of("0123456789abcdef"), std::string::npos);
    if (i % 2) {
      EXPECT_EQ(r->body, *id);  // the handler sees the same id
    }
    ids.insert(std::string(*id));
  }
  EXPECT_EQ(ids.size(), 20u);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = c.Read();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200);
  EXPECT_NE(first->Header("connection"), "close");
  ASSERT_TRUE(c.Send("GET /shares/x HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto second = c.Read();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, 200);
  EXPECT_NE(first->Header("x-request-id"), second->Header("x-request-id"));

  // Pipelined: both answered, in order.
  ASSERT_TRUE(c.Send("GET /files/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /files/2 HTTP/1.1\r\nHost: x\r\n"
                     "Connection: close\r\n\r\n"));
  auto p1 = c.Read();
  auto p2 = c.Read();
  ASSERT_TRUE(p1.has_value() && p2.has_value());
  EXPECT_EQ(p1->body, "1");
  EXPECT_EQ(p2->body, "2");
  EXPECT_EQ(p2->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed(2s));
}

TEST_F(ServerTest, ErrorWithoutBodyKeepsTheConnection) {
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 404);
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, HandlerExceptionIs500AndServerKeepsServing) {
  auto r = ts_.Fetch("GET", "/throw");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(ErrorCode(r->body), "internal");
  EXPECT_EQ(r->body.find("boom"), std::string::npos);  // details are logged, not sent
  r = ts_.Fetch("GET", "/hello");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, MetricsCountRequestsWithBoundedLabels) {
  ASSERT_TRUE(ts_.Fetch("GET", "/hello").ok());
  ASSERT_TRUE(ts_.Fetch("GET", "/hello").ok());
  ASSERT_TRUE(ts_.Fetch("GET", "/shares/a").ok());
  ASSERT_TRUE(ts_.Fetch("GET", "/shares/b").ok());
  ASSERT_TRUE(ts_.Fetch("GET", "/random/path/1").ok());
  ASSERT_TRUE(ts_.Fetch("BREW", "/hello").ok());
  ASSERT_TRUE(ts_.Fetch("GET", "/throw").ok());
  // Counters are updated after the response is written: wait for the last one.
  std::string text;
  for (int i = 0; i < 200; ++i) {
    text = ts_.registry().Render();
    if (text.find("route=\"/throw\",method=\"GET\",status=\"500\"} 1") != std::string::npos) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_NE(text.find("nasd_http_requests_total{route=\"/hello\",method=\"GET\",status=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("nasd_http_requests_total{route=\"/shares/{name}\",method=\"GET\","
                      "status=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("nasd_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("nasd_http_requests_total{route=\"unmatched\",method=\"OTHER\",status=\"405\"} 1"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("/random/path"), std::string::npos);
  EXPECT_EQ(text.find("/shares/a"), std::string::npos);
  EXPECT_NE(text.find("nasd_http_request_duration_seconds_count{route=\"/hello\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("nasd_http_request_duration_seconds_bucket{route=\"/hello\",le=\"+Inf\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE nasd_http_connections gauge\nnasd_http_connections "),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE nasd_http_rejected_connections_total counter\n"), std::string::npos);
  for (const char* counter : {"nasd_http_request_bytes_total", "nasd_http_response_bytes_total"}) {
    size_t pos = text.find(std::string("\n") + counter + " ");
    ASSERT_NE(pos, std::string::npos) << counter;
    EXPECT_GT(std::stod(text.substr(pos + std::string(counter).size() + 2)), 500) << counter;
  }
  auto check = nasd::testutil::PromtoolCheckMetrics(text);
  EXPECT_EQ(check.exit_code, 0) << check.output << "\n" << text;
}

}  // namespace
}  // namespace nasd::http
