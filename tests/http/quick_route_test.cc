// Quick routes, quick authentication and quick body sources run on the I/O
// thread: they are answered even while every worker is busy.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "http/test_support.h"

namespace nasd::http {
namespace {

using namespace std::chrono_literals;
using testing::TestServer;

// Holds the only worker until Release(); released at the latest when the
// test ends, so a failing test cannot hang on a blocked worker.
class Gate {
 public:
  void Wait() {
    std::unique_lock lock(mu_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
  }
  bool WaitEntered() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 5s, [&] { return entered_; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool open_ = false;
};

class CountingSource : public BodySource {
 public:
  CountingSource(std::string body, bool quick) : body_(std::move(body)), quick_(quick) {}
  uint64_t size() const override { return body_.size(); }
  Result<BodyPart> Next() override {
    BodyPart part;
    if (!sent_) part.bytes = body_;
    sent_ = true;
    return part;
  }
  bool quick() const override { return quick_; }

 private:
  std::string body_;
  bool quick_;
  bool sent_ = false;
};

class FailingSource : public BodySource {
 public:
  uint64_t size() const override { return 10; }
  Result<BodyPart> Next() override { return IoError("disk on fire"); }
  bool quick() const override { return true; }
};

class QuickRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ts_.options().io_threads = 1;
    ts_.options().worker_threads = 1;
    Router& r = ts_.router();
    r.Add("GET", "/block", [this](Request&) {
      gate_.Wait();
      return Response::Text(200, "unblocked");
    });
    r.Add("GET", "/quick", [](Request&) { return Response::Text(200, "quick"); }, {.quick = true});
    r.Add("GET", "/slow", [](Request&) { return Response::Text(200, "slow"); });
    r.Add("GET", "/quick-auth", [](Request& req) { return Response::Text(200, req.user); },
          {.requires_auth = true, .quick = true});
    r.Add("GET", "/quick-source",
          [](Request&) {
            Response resp;
            resp.source = std::make_shared<CountingSource>("streamed", true);
            return resp;
          },
          {.quick = true});
    r.Add("GET", "/slow-source",
          [](Request&) {
            Response resp;
            resp.source = std::make_shared<CountingSource>("streamed", false);
            return resp;
          },
          {.quick = true});
    r.Add("GET", "/failing-source", [](Request&) {
      Response resp;
      resp.source = std::make_shared<FailingSource>();
      return resp;
    });
    ts_.options().authenticate = [this](Request& req) {
      ++slow_auth_;
      if (req.headers.Get("authorization") != "Bearer slow") return false;
      req.user = "slow-user";
      return true;
    };
    ts_.options().authenticate_quick = [](Request& req) -> std::optional<bool> {
      auto h = req.headers.Get("authorization");
      if (h == "Bearer quick") {
        req.user = "quick-user";
        return true;
      }
      if (h == "Bearer nope") return false;
      return std::nullopt;
    };
    ASSERT_TRUE(ts_.Start());
  }

  // Occupies the only worker with /block.
  std::future<Result<ClientResponse>> BlockWorker() {
    auto f = std::async(std::launch::async, [this] { return ts_.Fetch("GET", "/block"); });
    EXPECT_TRUE(gate_.WaitEntered());
    return f;
  }

  static Headers Auth(const std::string& value) {
    Headers h;
    h.Set("authorization", value);
    return h;
  }

  void TearDown() override { gate_.Release(); }

  TestServer ts_;
  Gate gate_;
  std::atomic<int> slow_auth_{0};
};

TEST_F(QuickRouteTest, QuickWorkIsAnsweredWhileEveryWorkerIsBusy) {
  auto blocked = BlockWorker();
  struct ReleaseAtExit {
    Gate& gate;
    ~ReleaseAtExit() { gate.Release(); }
  } release{gate_};  // before the futures' destructors wait
  auto r = ts_.Fetch("GET", "/quick");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "quick");
  r = ts_.Fetch("GET", "/quick-auth", "", Auth("Bearer quick"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "quick-user");
  r = ts_.Fetch("GET", "/quick-auth", "", Auth("Bearer nope"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 401);
  r = ts_.Fetch("GET", "/quick-source");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "streamed");
  EXPECT_EQ(slow_auth_.load(), 0);

  // Work that is not quick waits for the worker.
  auto slow = std::async(std::launch::async, [this] { return ts_.Fetch("GET", "/slow"); });
  auto slow_auth = std::async(std::launch::async, [this] {
    return ts_.Fetch("GET", "/quick-auth", "", Auth("Bearer slow"));
  });
  auto slow_source =
      std::async(std::launch::async, [this] { return ts_.Fetch("GET", "/slow-source"); });
  EXPECT_EQ(slow.wait_for(300ms), std::future_status::timeout);
  EXPECT_EQ(slow_auth.wait_for(0ms), std::future_status::timeout);
  EXPECT_EQ(slow_source.wait_for(0ms), std::future_status::timeout);
  gate_.Release();
  EXPECT_EQ(blocked.get()->body, "unblocked");
  EXPECT_EQ(slow.get()->body, "slow");
  auto sa = slow_auth.get();
  ASSERT_TRUE(sa.ok());
  EXPECT_EQ(sa->body, "slow-user");
  EXPECT_EQ(slow_source.get()->body, "streamed");
  EXPECT_EQ(slow_auth_.load(), 1);
}

TEST_F(QuickRouteTest, AQuickSourceFailingAtOnceGetsAnErrorReply) {
  // The first part of a quick source is pulled before the header is sent,
  // so its failure is still an honest 500 rather than a cut connection.
  auto r = ts_.Fetch("GET", "/failing-source");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find("internal error"), std::string::npos);
  EXPECT_EQ(r->body.find("disk on fire"), std::string::npos);  // details only in the log
}

TEST(QuickRouteOptions, AStreamedBodyRouteCannotBeQuick) {
  Router r;
  EXPECT_DEATH(r.Add("PUT", "/x", [](Request&) { return Response{}; },
                     {.stream_body = true, .quick = true}),
               "cannot be quick");
}

}  // namespace
}  // namespace nasd::http
