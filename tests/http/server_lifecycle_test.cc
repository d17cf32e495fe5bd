// Timeouts, connection limits, graceful drain, start/stop and the access log.
#include "http/server.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "http/test_support.h"

namespace nasd::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::RawClient;
using testing::TestServer;

void AddHello(TestServer& ts) {
  ts.router().Add("GET", "/hello", [](Request&) { return Response::Text(200, "hello"); });
}

// Polls cond every 5 ms for up to timeout.
template <typename F>
bool Eventually(F cond, std::chrono::milliseconds timeout = 3s) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return cond();
}

int64_t Ms(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

TEST(ServerTimeoutTest, TricklingHeaderIsCutOffWhileOthersAreServed) {
  TestServer ts;
  ts.options().header_timeout = 300ms;
  AddHello(ts);
  ASSERT_TRUE(ts.Start());

  RawClient slow(ts.port());
  const auto start = Clock::now();
  ASSERT_TRUE(slow.Send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  // One byte every 50 ms: each read makes progress, only a deadline for the
  // whole header stops this client.
  bool closed = false;
  bool served_other = false;
  while (Clock::now() - start < 3s) {
    if (!served_other) {
      auto r = ts.Fetch("GET", "/hello");
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(r->status, 200);
      served_other = true;
    }
    if (slow.WaitClosed(50ms)) {
      closed = true;
      break;
    }
    slow.Send("a");
  }
  const auto elapsed = Clock::now() - start;
  EXPECT_TRUE(closed);
  EXPECT_GE(Ms(elapsed), 250);
  EXPECT_LT(Ms(elapsed), 1500);
  auto r = ts.Fetch("GET", "/hello");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
}

TEST(ServerTimeoutTest, SilentConnectionIsClosedAfterHeaderTimeout) {
  TestServer ts;
  ts.options().header_timeout = 300ms;
  ts.options().idle_timeout = 60s;  // does not apply before the first request
  AddHello(ts);
  ASSERT_TRUE(ts.Start());
  RawClient silent(ts.port());
  const auto start = Clock::now();
  EXPECT_TRUE(silent.WaitClosed(3s));
  EXPECT_GE(Ms(Clock::now() - start), 250);
}

TEST(ServerTimeoutTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  TestServer ts;
  ts.options().header_timeout = 60s;
  ts.options().idle_timeout = 300ms;
  AddHello(ts);
  ASSERT_TRUE(ts.Start());
  RawClient c(ts.port());
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.Read().has_value());
  const auto start = Clock::now();
  EXPECT_TRUE(c.WaitClosed(3s));
  EXPECT_GE(Ms(Clock::now() - start), 250);
}

TEST(ServerTimeoutTest, SlowBodyIsCutOffAfterBodyTimeout) {
  TestServer ts;
  ts.options().body_timeout = 300ms;
  std::atomic<int> calls{0};
  ts.router().Add("POST", "/up", [&](Request&) {
    ++calls;
    return Response::Text(200, "ok");
  });
  ASSERT_TRUE(ts.Start());
  RawClient c(ts.port());
  ASSERT_TRUE(c.Send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"));
  const auto start = Clock::now();
  EXPECT_TRUE(c.WaitClosed(3s));
  EXPECT_GE(Ms(Clock::now() - start), 250);
  EXPECT_EQ(calls.load(), 0);
}

TEST(ServerLimitTest, ConnectionsOverTheLimitGet503) {
  TestServer ts;
  ts.options().max_connections = 2;
  AddHello(ts);
  ASSERT_TRUE(ts.Start());
  auto a = std::make_unique<RawClient>(ts.port());
  RawClient b(ts.port());
  ASSERT_TRUE(a->connected() && b.connected());
  ASSERT_TRUE(Eventually([&] {
    return ts.registry().Render().find("\nnasd_http_connections 2\n") != std::string::npos;
  }));

  RawClient c(ts.port());
  auto r = c.Read(3s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("\"unavailable\""), std::string::npos) << r->body;
  EXPECT_TRUE(c.WaitClosed(3s));
  EXPECT_NE(ts.registry().Render().find("\nnasd_http_rejected_connections_total 1\n"),
            std::string::npos);

  // The admitted connections still work, and freeing one admits a new client.
  ASSERT_TRUE(b.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto rb = b.Read();
  ASSERT_TRUE(rb.has_value());
  EXPECT_EQ(rb->status, 200);
  a.reset();
  EXPECT_TRUE(Eventually([&] {
    auto f = ts.Fetch("GET", "/hello");
    return f.ok() && f->status == 200;
  }));
}

TEST(ServerDrainTest, StopLetsInFlightRequestsFinish) {
  TestServer ts;
  std::atomic<bool> entered{false};
  ts.router().Add("GET", "/slow", [&](Request&) {
    entered = true;
    std::this_thread::sleep_for(300ms);
    return Response::Text(200, "done");
  });
  AddHello(ts);
  ASSERT_TRUE(ts.Start());
  const uint16_t port = ts.port();

  // An idle keep-alive connection must not hold up the drain.
  RawClient idle(port);
  ASSERT_TRUE(idle.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.Read().has_value());

  std::optional<Result<ClientResponse>> slow;
  Clock::time_point slow_done;
  std::thread client([&] {
    slow.emplace(ts.Fetch("GET", "/slow"));
    slow_done = Clock::now();
  });
  ASSERT_TRUE(Eventually([&] { return entered.load(); }));
  EXPECT_EQ(ts.server().InFlight(), 1);
  const auto stop_start = Clock::now();
  ts.server().Stop();
  const auto stop_end = Clock::now();
  client.join();

  ASSERT_TRUE(slow.has_value());
  ASSERT_TRUE(slow->ok()) << slow->status().ToString();
  EXPECT_EQ((*slow)->status, 200);
  EXPECT_EQ((*slow)->body, "done");
  EXPECT_EQ((*slow)->headers.Get("connection"), "close");
  EXPECT_GE(Ms(stop_end - stop_start), 100);  // Stop waited for the handler
  EXPECT_LE(slow_done, stop_end + 50ms);      // and returned after the response
  EXPECT_LT(Ms(stop_end - stop_start), 2000);
  EXPECT_TRUE(idle.WaitClosed(1s));
  EXPECT_EQ(ts.server().InFlight(), 0);

  ClientRequest after;
  after.port = port;
  after.target = "/hello";
  auto refused = Fetch(after);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kNetworkError);
  EXPECT_NE(refused.status().message().find("connection refused"), std::string::npos);
}

TEST(ServerDrainTest, DrainTimeoutClosesConnectionsOfStuckHandlers) {
  TestServer ts;
  ts.options().drain_timeout = 200ms;
  std::atomic<bool> entered{false};
  std::atomic<bool> handler_returned{false};
  ts.router().Add("GET", "/stuck", [&](Request&) {
    entered = true;
    std::this_thread::sleep_for(1000ms);
    handler_returned = true;
    return Response::Text(200, "late");
  });
  ASSERT_TRUE(ts.Start());
  std::optional<Result<ClientResponse>> res;
  bool returned_before_handler = false;
  std::thread client([&] {
    res.emplace(ts.Fetch("GET", "/stuck"));
    returned_before_handler = !handler_returned.load();
  });
  ASSERT_TRUE(Eventually([&] { return entered.load(); }));
  const auto start = Clock::now();
  ts.server().Stop();
  const auto stop_ms = Ms(Clock::now() - start);
  client.join();
  ASSERT_TRUE(res.has_value());
  EXPECT_FALSE(res->ok());  // connection was force-closed
  EXPECT_TRUE(returned_before_handler);
  EXPECT_TRUE(handler_returned.load());  // Stop waited for the worker anyway
  EXPECT_GE(stop_ms, 500);
}

TEST(ServerLoadTest, ConcurrentClientsOnSeveralIoThreads) {
  TestServer ts;
  ts.options().io_threads = 2;
  ts.options().worker_threads = 3;
  ts.router().Add("POST", "/echo/{n}", [](Request& req) {
    return Response::Text(200, req.params["n"] + ":" + req.body);
  });
  ASSERT_TRUE(ts.Start());
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&, t] {
      // Half the clients reuse one keep-alive connection, half use Fetch.
      std::unique_ptr<RawClient> raw;
      if (t % 2 == 0) raw = std::make_unique<RawClient>(ts.port());
      for (int i = 0; i < 30; ++i) {
        std::string n = std::to_string(t * 100 + i);
        if (raw) {
          raw->Send("POST /echo/" + n + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
          auto r = raw->Read();
          if (r && r->status == 200 && r->body == n + ":hi") ++ok;
        } else {
          auto r = ts.Fetch("POST", "/echo/" + n, "hi");
          if (r.ok() && r->status == 200 && r->body == n + ":hi") ++ok;
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), 180);
  EXPECT_TRUE(Eventually([&] {
    std::string text = ts.registry().Render();
    return text.find("nasd_http_requests_total{route=\"/echo/{n}\",method=\"POST\",status=\"200\"} 180\n") !=
               std::string::npos &&
           text.find("\nnasd_http_connections 0\n") != std::string::npos;  // all closed
  })) << ts.registry().Render();
}

// Each io thread runs its own io_context; connections are dealt to them in
// turn, so quick handlers (run on the io thread) of two connections in a row
// run on two threads.
TEST(ServerLoadTest, ConnectionsAreDealtToEveryIoThread) {
  TestServer ts;
  ts.options().io_threads = 3;
  std::mutex mu;
  std::set<std::thread::id> threads;
  ts.router().Add("GET", "/where", [&](Request&) {
    std::lock_guard lock(mu);
    threads.insert(std::this_thread::get_id());
    return Response::Text(200, "here");
  }, {.quick = true});
  ASSERT_TRUE(ts.Start());
  for (int i = 0; i < 6; ++i) {
    RawClient c(ts.port());  // a new connection each time
    c.Send("GET /where HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = c.Read();
    ASSERT_TRUE(r && r->status == 200);
  }
  std::lock_guard lock(mu);
  EXPECT_EQ(threads.size(), 3u) << "connections did not reach every io thread";
}

TEST(ServerLoadTest, StopUnderLoadNeitherHangsNorCrashes) {
  TestServer ts;
  ts.options().io_threads = 2;
  ts.router().Add("GET", "/work", [](Request&) {
    std::this_thread::sleep_for(2ms);
    return Response::Text(200, "w");
  });
  ASSERT_TRUE(ts.Start());
  std::atomic<bool> done{false};
  std::atomic<int> ok{0};
  std::atomic<int> bad_status{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      while (!done.load()) {
        auto r = ts.Fetch("GET", "/work");
        if (r.ok() && r->status == 200) {
          ++ok;
        } else if (r.ok()) {
          ++bad_status;  // a drained request must still complete normally
        }
      }
    });
  }
  ASSERT_TRUE(Eventually([&] { return ok.load() > 20; }));
  const auto start = Clock::now();
  ts.server().Stop();
  EXPECT_LT(Ms(Clock::now() - start), 2000);
  done = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(bad_status.load(), 0);
  EXPECT_EQ(ts.server().InFlight(), 0);
  EXPECT_NE(ts.registry().Render().find("\nnasd_http_connections 0\n"), std::string::npos);
}

TEST(ServerStartTest, AddressInUseIsAlreadyExists) {
  TestServer first;
  AddHello(first);
  ASSERT_TRUE(first.Start());
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = first.port();
  Router router;
  metrics::Registry registry;
  Server second(o, router, registry);
  Status st = second.Start();
  EXPECT_EQ(st.code(), Code::kAlreadyExists) << st.ToString();
  EXPECT_NE(st.message().find("127.0.0.1:" + std::to_string(first.port())), std::string::npos)
      << st.message();
}

TEST(ServerStartTest, BadHostOrOptionsAreInvalidArgument) {
  for (const char* host : {"no-such-host.invalid", "999.1.1.1", "192.0.2.1"}) {
    ServerOptions o;
    o.host = host;
    o.port = 0;
    Router router;
    metrics::Registry registry;
    Server s(o, router, registry);
    Status st = s.Start();
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << host << ": " << st.ToString();
  }
  ServerOptions o;
  o.port = 0;
  o.worker_threads = 0;
  Router router;
  metrics::Registry registry;
  Server s(o, router, registry);
  EXPECT_EQ(s.Start().code(), Code::kInvalidArgument);
}

TEST(ServerStartTest, StartOnceStopIdempotentAndDestructorStops) {
  uint16_t port = 0;
  {
    TestServer ts;
    AddHello(ts);
    ASSERT_TRUE(ts.Start());
    port = ts.port();
    EXPECT_EQ(ts.server().Start().code(), Code::kFailedPrecondition);
    ASSERT_TRUE(ts.Fetch("GET", "/hello").ok());
  }  // ~TestServer stops; ~Server would too
  ClientRequest req;
  req.port = port;
  EXPECT_EQ(Fetch(req).status().code(), Code::kNetworkError);

  Router router;
  metrics::Registry registry;
  ServerOptions o;
  o.port = 0;
  Server never_started(o, router, registry);
  never_started.Stop();
  never_started.Stop();

  TestServer twice;
  AddHello(twice);
  ASSERT_TRUE(twice.Start());
  twice.server().Stop();
  twice.server().Stop();
}

TEST(ServerLogTest, AccessLogCarriesRequestAndTraceIds) {
  ::testing::internal::CaptureStderr();
  std::string request_id;
  {
    TestServer ts;
    AddHello(ts);
    ASSERT_TRUE(ts.Start());
    Headers h;
    h.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    auto r = ts.Fetch("GET", "/hello?token=hidden", "", h);
    ASSERT_TRUE(r.ok());
    request_id = std::string(r->headers.Get("x-request-id").value_or(""));
    Headers bad;
    bad.Set("traceparent", "00-zz-00f067aa0ba902b7-01");
    ASSERT_TRUE(ts.Fetch("GET", "/nope", "", bad).ok());
    ts.server().Stop();  // joins the I/O threads: every line is written
  }
  std::string err = ::testing::internal::GetCapturedStderr();
  size_t line_start = err.find("request_id=" + request_id);
  ASSERT_NE(line_start, std::string::npos) << err;
  line_start = err.rfind('\n', line_start) + 1;
  std::string line = err.substr(line_start, err.find('\n', line_start) - line_start);
  for (const char* want : {"http.access", "method=GET", "path=/hello ", "status=200",
                           "bytes_in=", "bytes_out=", "duration_ms=",
                           "trace_id=4bf92f3577b34da6a3ce929d0e0e4736", "remote=127.0.0.1:"}) {
    EXPECT_NE(line.find(want), std::string::npos) << want << " missing in: " << line;
  }
  EXPECT_EQ(line.find("hidden"), std::string::npos) << line;
  size_t nope = err.find("path=/nope");
  ASSERT_NE(nope, std::string::npos) << err;
  std::string nope_line = err.substr(nope, err.find('\n', nope) - nope);
  // Without a valid traceparent the line carries no trace id at all.
  EXPECT_EQ(nope_line.find("trace_id"), std::string::npos) << nope_line;
  EXPECT_NE(nope_line.find("request_id="), std::string::npos) << nope_line;
}

}  // namespace
}  // namespace nasd::http
