// Streamed request bodies (RouteOptions::stream_body, BodyReader) and
// streamed responses (Response::source, BodySource) on a real Server.
#include "http/server.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "http/body_pipe.h"
#include "http/test_support.h"
#include "testutil/temp_dir.h"

namespace nasd::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::RawClient;
using testing::TestServer;

constexpr uint64_t kFnvBasis = 14695981039346656037ull;

uint64_t Fnv(std::string_view data, uint64_t h = kFnvBasis) {
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng();
    std::memcpy(out.data() + i, &v, std::min<size_t>(8, n - i));
  }
  return out;
}

// A value handed from a handler (worker thread) to the test.
template <typename T>
class Mailbox {
 public:
  void Put(T v) {
    std::lock_guard<std::mutex> lock(mu_);
    value_ = std::move(v);
    cv_.notify_all();
  }
  std::optional<T> Take(std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [this] { return value_.has_value(); })) return std::nullopt;
    return std::exchange(value_, std::nullopt);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<T> value_;
};

// What a streaming handler saw of its body.
struct ReadOutcome {
  uint64_t bytes = 0;
  uint64_t hash = kFnvBasis;
  Code code = Code::kOk;
  std::optional<uint64_t> content_length;
  uint64_t peak_queued = 0;
};

ReadOutcome ReadAll(Request& req, size_t cap = 64 * 1024) {
  ReadOutcome out;
  out.content_length = req.body_reader->content_length();
  std::vector<char> buf(cap);
  for (;;) {
    auto n = req.body_reader->Read(buf.data(), buf.size());
    if (!n.ok()) {
      out.code = n.status().code();
      break;
    }
    if (*n == 0) break;
    out.hash = Fnv(std::string_view(buf.data(), *n), out.hash);
    out.bytes += *n;
  }
  if (auto* pipe = dynamic_cast<BodyPipe*>(req.body_reader)) out.peak_queued = pipe->peak_queued_bytes();
  return out;
}

std::string Summary(uint64_t bytes, uint64_t hash) {
  return std::to_string(bytes) + ":" + std::to_string(hash);
}

// Polls cond every 5 ms for up to timeout.
template <typename F>
bool Eventually(F cond, std::chrono::milliseconds timeout = 5s) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return cond();
}

// ---------------------------------------------------------------------------
// Request bodies

// Reads a reply with body `first` that keeps the connection, then the reply
// to the GET /hello the client sent behind its request.
void ExpectKeptThenHello(RawClient& c, const std::string& first) {
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, first);
  EXPECT_NE(r->Header("connection"), "close");
  auto next = c.Read();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->body, "hello");
}

class StreamUploadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ts_.options().body_timeout = 2s;
    ts_.router().Add("PUT", "/blob", [this](Request& req) {
      // Starts late, so the client gets ahead: only back-pressure keeps the
      // server from queueing what arrives meanwhile.
      std::this_thread::sleep_for(200ms);
      ReadOutcome out = ReadAll(req);
      seen_.Put(out);
      return Response::Text(200, Summary(out.bytes, out.hash));
    }, {.max_body_bytes = 1ull << 30, .stream_body = true});
    ts_.router().Add("PUT", "/small", [this](Request& req) {
      ReadOutcome out = ReadAll(req);
      seen_.Put(out);
      return Response::Text(200, Summary(out.bytes, out.hash));
    }, {.max_body_bytes = 1 << 20, .stream_body = true});
    ts_.router().Add("PUT", "/peek", [](Request& req) {
      char buf[10];
      auto n = req.body_reader->Read(buf, sizeof(buf));
      return Response::Text(200, n.ok() ? "early" : "failed");
    }, {.max_body_bytes = 1ull << 30, .stream_body = true});
    ts_.router().Add("PUT", "/partial", [](Request& req) {
      std::string buf(100000, '\0');
      for (size_t got = 0; got < buf.size();) {
        auto n = req.body_reader->Read(buf.data() + got, buf.size() - got);
        if (!n.ok() || *n == 0) return Response::Text(500, "short");
        got += *n;
      }
      return Response::Text(200, "partial");
    }, {.max_body_bytes = 1ull << 30, .stream_body = true});
    ts_.router().Add("PUT", "/refuse", [](Request&) {
      std::this_thread::sleep_for(100ms);  // time enough for an eager 100 Continue
      return Response::Text(403, "no");
    }, {.max_body_bytes = 1ull << 30, .stream_body = true});
    ts_.router().Add("PUT", "/gated", [this](Request& req) {
      Eventually([this] { return gate_.load(); }, 10s);
      ReadOutcome out = ReadAll(req);
      return Response::Text(200, Summary(out.bytes, out.hash));
    }, {.max_body_bytes = 1 << 20, .stream_body = true});
    ts_.router().Add("PUT", "/entered", [this](Request& req) {
      entered_ = true;
      ReadOutcome out = ReadAll(req);
      return Response::Text(200, Summary(out.bytes, out.hash));
    }, {.max_body_bytes = 1 << 20, .stream_body = true});
    ts_.router().Add("GET", "/hello", [](Request&) { return Response::Text(200, "hello"); });
    ASSERT_TRUE(ts_.Start());
  }

  TestServer ts_;
  Mailbox<ReadOutcome> seen_;
  std::atomic<bool> gate_{false};
  std::atomic<bool> entered_{false};
};

// 64 MiB pass through a handler that starts late and hashes every byte, yet
// the server never holds more than its few pipe buffers: the queue's
// high-water mark stays at kMaxBuffers x kBufferBytes.
TEST_F(StreamUploadTest, LargeUploadIsHashedWithBoundedBuffering) {
  const std::string body = RandomBytes((64u << 20) + 123, 1);
  ClientRequest req;
  req.port = ts_.port();
  req.method = "PUT";
  req.target = "/blob";
  req.body = body;
  req.timeout = 120s;
  auto r = http::Fetch(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, Summary(body.size(), Fnv(body)));
  auto seen = seen_.Take();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->code, Code::kOk);
  EXPECT_EQ(seen->content_length, body.size());
  EXPECT_GT(seen->peak_queued, 0u);
  EXPECT_LE(seen->peak_queued, BodyPipe::kMaxBuffers * BodyPipe::kBufferBytes);
}

// The body is read in large pieces, not in the 4 KiB the header read left
// room for: a 1 GiB upload once took 260 000 reads (each with an epoll wait
// and a timer update), a third of the server's CPU.
TEST_F(StreamUploadTest, BodiesAreReadInLargePieces) {
  constexpr size_t kSize = 16u << 20;
  const std::string body = RandomBytes(kSize, 7);
  ClientRequest req;
  req.port = ts_.port();
  req.method = "PUT";
  req.target = "/blob";  // starts late: the socket is full when reading starts
  req.body = body;
  req.timeout = 60s;
  auto r = http::Fetch(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  const std::string name = "\nnasd_http_body_reads_total ";
  double reads = 0;
  ASSERT_TRUE(Eventually([&] {
    const std::string text = ts_.registry().Render();
    const size_t pos = text.find(name);
    if (pos == std::string::npos) return false;
    reads = std::stod(text.substr(pos + name.size()));
    return reads > 0;
  }));
  EXPECT_LT(reads, kSize / (16 << 10)) << "mean read below 16 KiB";
}

TEST_F(StreamUploadTest, ChunkedUploadArrivesWholeAndTheConnectionStaysUsable) {
  const std::string body = RandomBytes(1 + 100 + 300000 + 70000 + 5, 2);
  std::string wire = "PUT /blob HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  size_t pos = 0;
  for (size_t n : {1, 100, 300000, 70000, 5}) {
    wire += fmt::format("{:x}\r\n", n) + body.substr(pos, n) + "\r\n";
    pos += n;
  }
  wire += "0\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send(wire));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, Summary(body.size(), Fnv(body)));
  auto seen = seen_.Take();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->content_length, std::nullopt);
  auto next = c.Read();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->body, "hello");
}

TEST_F(StreamUploadTest, ClientAbortingMidBodyFailsReadWithUnavailable) {
  {
    RawClient c(ts_.port());
    ASSERT_TRUE(c.Send("PUT /blob HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n" +
                       std::string(1 << 20, 'a')));
  }  // closed after 1 of 10 MiB
  auto seen = seen_.Take();
  ASSERT_TRUE(seen.has_value()) << "the handler never returned";
  EXPECT_EQ(seen->code, Code::kUnavailable);
  EXPECT_EQ(seen->bytes, 1u << 20);  // what arrived is delivered before the error
}

TEST_F(StreamUploadTest, StalledBodyFailsReadAfterBodyTimeout) {
  RawClient c(ts_.port());
  const auto start = Clock::now();
  ASSERT_TRUE(c.Send("PUT /blob HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc"));
  auto seen = seen_.Take();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->code, Code::kUnavailable);
  EXPECT_EQ(seen->bytes, 3u);
  EXPECT_GE(Clock::now() - start, 1900ms);
  EXPECT_TRUE(c.WaitClosed(2s));
}

TEST_F(StreamUploadTest, ChunkedBodyOverTheLimitIs413MidStream) {
  std::string wire = "PUT /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) wire += "40000\r\n" + std::string(256 << 10, 'z') + "\r\n";
  wire += "0\r\n\r\n";
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send(wire));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);  // although the handler answered 200
  EXPECT_EQ(r->Header("connection"), "close");
  auto seen = seen_.Take();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->code, Code::kTooLarge);
  EXPECT_EQ(seen->bytes, 1u << 20);
  EXPECT_TRUE(c.WaitClosed(3s));
}

TEST_F(StreamUploadTest, AnnouncedLengthOverTheLimitIs413BeforeTheHandler) {
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("PUT /small HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n"));
  auto r = c.Read(2s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  EXPECT_FALSE(seen_.Take(200ms).has_value());
}

TEST_F(StreamUploadTest, ContinueIsSentOnlyWhenTheHandlerFirstReads) {
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("PUT /gated HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  EXPECT_FALSE(c.Read(300ms).has_value()) << "100 Continue before the handler read";
  gate_ = true;
  auto cont = c.Read(2s);
  ASSERT_TRUE(cont.has_value());
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.Send("hello"));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, Summary(5, Fnv("hello")));
}

// A body of at most BodyPipe::kPrefillBytes is read whole before the handler
// starts (it then never waits for the socket); a longer one streams while it
// runs.
TEST_F(StreamUploadTest, SmallBodiesArriveWholeBeforeTheHandlerStarts) {
  for (const uint64_t size : {BodyPipe::kPrefillBytes, BodyPipe::kPrefillBytes + 1}) {
    entered_ = false;
    const std::string body = RandomBytes(size, size);
    RawClient c(ts_.port());
    ASSERT_TRUE(c.Send("PUT /entered HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                       std::to_string(size) + "\r\n\r\n" + body.substr(0, size - 1)));
    auto entered = [this] { return entered_.load(); };
    if (size > BodyPipe::kPrefillBytes) {
      EXPECT_TRUE(Eventually(entered, 5s)) << "a long body's handler waits for all of it";
    } else {
      EXPECT_FALSE(Eventually(entered, 300ms)) << "the handler started before the body was whole";
    }
    ASSERT_TRUE(c.Send(body.substr(size - 1)));
    auto r = c.Read();
    ASSERT_TRUE(r.has_value()) << size;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, Summary(size, Fnv(body)));
    EXPECT_TRUE(entered_.load());
  }
}

TEST_F(StreamUploadTest, HandlerRefusingBeforeReadingNeverGetsTheBody) {
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("PUT /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  auto r = c.Read(2s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 403);  // not 100
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed(2s));
}

TEST_F(StreamUploadTest, HandlerReturningEarlyDrainsASmallRest) {
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("PUT /peek HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" +
                     std::string(100000, 'p') + "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ExpectKeptThenHello(c, "early");
}

// The same once the body is read past the parser (straight from the socket
// into the pipe): exactly the rest is dropped, not a byte of the next request.
TEST_F(StreamUploadTest, HandlerReturningMidBodyDrainsTheRestReadRaw) {
  RawClient c(ts_.port());
  // The handler reads the 100 000 bytes sent first and returns; the rest
  // arrives after that, with the next request behind it.
  ASSERT_TRUE(c.Send("PUT /partial HTTP/1.1\r\nHost: x\r\nContent-Length: 250000\r\n\r\n" +
                     std::string(100000, 'p')));
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(c.Send(std::string(150000, 'q') + "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ExpectKeptThenHello(c, "partial");
}

// The rest of a long body must never be parsed as requests, even when it
// looks like some.
TEST_F(StreamUploadTest, HandlerReturningEarlyClosesAfterALongRest) {
  const std::string smuggled = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string body;
  while (body.size() < (8u << 20)) body += smuggled;
  RawClient c(ts_.port());
  std::thread sender([&] {
    (void)c.Send("PUT /peek HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body);
  });
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "early");
  EXPECT_EQ(r->Header("connection"), "close");
  auto rest = c.ReadUntilClosed(5s);
  ASSERT_TRUE(rest.has_value()) << "the connection stayed open";
  EXPECT_EQ(rest->find("HTTP/1.1"), std::string::npos) << *rest;
  sender.join();
}

// ---------------------------------------------------------------------------
// Response sources

struct Part {
  std::string bytes;
  bool file = false;
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Serves `parts` (file parts from `path`), then an empty part or `fail_after`.
class ListSource : public BodySource {
 public:
  ListSource(uint64_t size, std::vector<Part> parts, const std::string& path,
             std::atomic<int>* next_calls, std::atomic<int>* destroyed)
      : size_(size), parts_(std::move(parts)), next_calls_(next_calls), destroyed_(destroyed) {
    if (!path.empty()) fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  ~ListSource() override {
    if (fd_ >= 0) ::close(fd_);
    if (destroyed_) ++*destroyed_;
  }
  uint64_t size() const override { return size_; }
  Result<BodyPart> Next() override {
    if (next_calls_) ++*next_calls_;
    if (i_ == parts_.size()) return fail_at_end_ ? Result<BodyPart>(IoError("disk on fire")) : BodyPart{};
    const Part& p = parts_[i_++];
    if (!p.file) return BodyPart{.bytes = p.bytes};
    return BodyPart{.fd = fd_, .offset = p.offset, .length = p.length};
  }
  // Not quick, but every part can be had at once (TryNext), as a cached
  // chunk's can.
  std::optional<Result<BodyPart>> TryNext() override {
    if (!try_now_) return std::nullopt;
    return Next();
  }
  bool fail_at_end_ = false;
  bool try_now_ = false;

 private:
  const uint64_t size_;
  const std::vector<Part> parts_;
  std::atomic<int>* next_calls_;
  std::atomic<int>* destroyed_;
  size_t i_ = 0;
  int fd_ = -1;
};

// Endless 1 MiB slabs of bytes, made on demand.
class SlabSource : public BodySource {
 public:
  explicit SlabSource(std::atomic<int>* destroyed) : destroyed_(destroyed) {}
  ~SlabSource() override { ++*destroyed_; }
  uint64_t size() const override { return 256ull << 20; }
  Result<BodyPart> Next() override { return BodyPart{.bytes = std::string(1 << 20, 's')}; }

 private:
  std::atomic<int>* destroyed_;
};

class StreamResponseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = RandomBytes(8 << 20, 3);
    path_ = dir_.Sub("data");
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, file_.data(), file_.size()), static_cast<ssize_t>(file_.size()));
    ::close(fd);
  }

  void Serve(std::string pattern, uint64_t size, std::vector<Part> parts, bool fail_at_end = false,
             bool try_now = false) {
    ts_.router().Add("GET", std::move(pattern), [=, this](Request&) {
      auto src = std::make_shared<ListSource>(size, parts, path_, &next_calls_, &destroyed_);
      src->fail_at_end_ = fail_at_end;
      src->try_now_ = try_now;
      Response resp = Response::Text(200, "ignored");
      resp.headers.Set("content-type", "application/octet-stream");
      resp.source = std::move(src);
      return resp;
    });
  }

  testutil::TempDir dir_;
  std::string path_;
  std::string file_;
  TestServer ts_;
  std::atomic<int> next_calls_{0};
  std::atomic<int> destroyed_{0};
};

TEST_F(StreamResponseTest, BytesAndFilePartsArriveExactly) {
  const std::string big(3 << 20, 'b');
  std::vector<Part> parts = {{.bytes = "head-"},
                             {.file = true, .offset = 0, .length = 1000},
                             {.bytes = big},
                             {.file = true, .offset = 12345, .length = 5 << 20},
                             {.bytes = "-tail"}};
  const std::string expected =
      "head-" + file_.substr(0, 1000) + big + file_.substr(12345, 5 << 20) + "-tail";
  Serve("/mixed", expected.size(), parts);
  ASSERT_TRUE(ts_.Start());
  auto r = ts_.Fetch("GET", "/mixed");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers.Get("content-length"), std::to_string(expected.size()));
  EXPECT_EQ(r->headers.Get("content-type"), "application/octet-stream");
  ASSERT_EQ(r->body.size(), expected.size());
  EXPECT_TRUE(r->body == expected) << "body differs";
  EXPECT_EQ(next_calls_.load(), 5);  // no call past size()
  // The access log and metrics count the streamed bytes.
  EXPECT_TRUE(Eventually([&] {
    std::string text = ts_.registry().Render();
    size_t pos = text.find("\nnasd_http_response_bytes_total ");
    return pos != std::string::npos &&
           std::stod(text.substr(pos + 32)) >= static_cast<double>(expected.size());
  }));
  EXPECT_TRUE(Eventually([&] { return destroyed_.load() == 1; }));
}

TEST_F(StreamResponseTest, HeadSendsHeadersOnlyAndNeverPullsParts) {
  Serve("/file", 2000, {{.file = true, .offset = 0, .length = 2000}});
  ASSERT_TRUE(ts_.Start());
  RawClient c(ts_.port());
  ASSERT_TRUE(c.Send("HEAD /file HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = c.Read(5s, /*head=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-length"), "2000");
  EXPECT_EQ(next_calls_.load(), 0);
  ASSERT_TRUE(c.Send("GET /file HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto get = c.Read();
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->body, file_.substr(0, 2000));
  EXPECT_EQ(c.pending(), "");
}

// A source whose first part is at hand (TryNext) has it pulled before the
// header goes out: a file part follows the header held back for it, bytes
// leave with the header, and a failure is still an error reply.
TEST_F(StreamResponseTest, APartAtHandIsPulledBeforeTheHeader) {
  Serve("/file-first", 3000,
        {{.file = true, .offset = 7, .length = 100}, {.bytes = "mid"},
         {.file = true, .offset = 5000, .length = 2897}},
        false, /*try_now=*/true);
  Serve("/bytes", 5, {{.bytes = "whole"}}, false, /*try_now=*/true);
  Serve("/failing", 10, {}, /*fail_at_end=*/true, /*try_now=*/true);
  ASSERT_TRUE(ts_.Start());
  const std::string expected = file_.substr(7, 100) + "mid" + file_.substr(5000, 2897);
  RawClient c(ts_.port());
  for (int i = 0; i < 3; ++i) {  // one connection: each reply is framed and pushed whole
    ASSERT_TRUE(c.Send("GET /file-first HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.Read(5s);
    ASSERT_TRUE(r.has_value()) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(r->body == expected) << "body differs, round " << i;
    ASSERT_TRUE(c.Send("GET /bytes HTTP/1.1\r\nHost: x\r\n\r\n"));
    r = c.Read(5s);
    ASSERT_TRUE(r.has_value()) << i;
    EXPECT_EQ(r->body, "whole");
  }
  EXPECT_EQ(c.pending(), "");
  auto r = ts_.Fetch("GET", "/failing");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body.find("disk on fire"), std::string::npos);  // details only in the log
}

// Once the header is out, a failing source can only close the connection;
// the client sees a short body, never a misframed next response.
TEST_F(StreamResponseTest, SourceFailingMidBodyClosesTheConnection) {
  const std::string first(1000, 'f');
  Serve("/error", 5000, {{.bytes = first}}, /*fail_at_end=*/true);
  Serve("/short", 5000, {{.bytes = first}});
  Serve("/overlong", 2000, {{.bytes = first}, {.file = true, .offset = 0, .length = 1500}});
  ts_.router().Add("GET", "/hello", [](Request&) { return Response::Text(200, "hello"); });
  ASSERT_TRUE(ts_.Start());
  for (const char* target : {"/error", "/short", "/overlong"}) {
    RawClient c(ts_.port());
    ASSERT_TRUE(c.Send(std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_FALSE(c.Read(3s).has_value()) << target;
    EXPECT_EQ(c.pending(), first) << target;  // the header was consumed, the body is short
    EXPECT_TRUE(c.WaitClosed(2s)) << target;
  }
  auto r = ts_.Fetch("GET", "/hello");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "hello");
}

// A client that stops reading must not pin a connection, a worker and the
// source forever; both the sendfile and the write path are cut off.
TEST_F(StreamResponseTest, ClientThatStopsReadingIsCutOffBySendTimeout) {
  const std::string sparse = dir_.Sub("sparse");
  {
    int fd = ::open(sparse.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, 256 << 20), 0);
    ::close(fd);
  }
  path_ = sparse;
  Serve("/file", 256 << 20, {{.file = true, .offset = 0, .length = 256 << 20}});
  ts_.router().Add("GET", "/bytes", [this](Request&) {
    Response resp;
    resp.source = std::make_shared<SlabSource>(&destroyed_);
    return resp;
  });
  ts_.options().send_timeout = 300ms;
  ASSERT_TRUE(ts_.Start());
  int expected_destroyed = 0;
  for (const char* target : {"/file", "/bytes"}) {
    RawClient c(ts_.port());
    ASSERT_TRUE(c.Send(std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto start = Clock::now();
    ++expected_destroyed;
    EXPECT_TRUE(Eventually([&] { return destroyed_.load() == expected_destroyed; }, 5s)) << target;
    EXPECT_GE(Clock::now() - start, 250ms) << target;
    EXPECT_TRUE(Eventually([&] {
      return ts_.registry().Render().find("\nnasd_http_connections 0\n") != std::string::npos;
    })) << target;
  }
}

}  // namespace
}  // namespace nasd::http
