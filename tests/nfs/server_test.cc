// The RPC server over real sockets: pipelining with out-of-order replies,
// multi-fragment records, record limits, and clients that stop reading.
#include "nfs/server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <set>
#include <thread>

#include "nfs/rpc_test_util.h"

namespace nasd::nfs {
namespace {

using testing::CallSpec;
using testing::MakeCall;
using testing::ParseReply;
using testing::RawClient;

// Program 400001 v1: proc 1 sleeps the given milliseconds and echoes them;
// proc 2 returns the given number of bytes; proc 3 (quick: run on the
// network thread) echoes its argument; proc 4 (brief) sleeps the given
// milliseconds and answers 1 if it ran with Wait::kBrief, else 0; 1000 or
// more stands for large work: WouldBlock when brief, no sleep.
class SlowProgram : public RpcProgram {
 public:
  uint32_t program() const override { return 400001; }
  uint32_t min_version() const override { return 1; }
  uint32_t max_version() const override { return 1; }
  bool HasProcedure(uint32_t, uint32_t proc) const override { return proc <= 4; }
  std::string_view name() const override { return "test"; }
  std::string_view ProcedureName(uint32_t) const override { return "PROC"; }
  bool IsQuick(uint32_t, uint32_t proc) const override { return proc == 3; }
  bool MayRunBrief(uint32_t, uint32_t proc) const override { return proc == 4; }
  ProcOutcome Call(const RpcCall& call, XdrReader& in, XdrWriter& out) override {
    if (call.header.proc == 0) return ProcOutcome::Ok();
    uint32_t n = in.U32();
    if (!in.ok()) return ProcOutcome::Garbage();
    if (call.header.proc == 3) {
      out.U32(n);
    } else if (call.header.proc == 4) {
      const bool brief = call.wait == Wait::kBrief;
      if (n >= 1000 && brief) return ProcOutcome::WouldBlock();
      if (n < 1000) std::this_thread::sleep_for(std::chrono::milliseconds(n));
      out.U32(brief ? 1 : 0);
    } else if (call.header.proc == 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(n));
      out.U32(n);
    } else {
      out.Opaque(std::string(n, 'r'));
    }
    return ProcOutcome::Ok();
  }
};

std::string CallWith(uint32_t xid, uint32_t proc, uint32_t arg, size_t padding = 0) {
  XdrWriter w;
  w.U32(arg);
  w.buffer().append(padding, 'p');  // ignored by the program; fills socket buffers
  return MakeCall({.xid = xid, .prog = 400001, .vers = 1, .proc = proc, .args = w.Take()});
}

class ServerTest : public ::testing::Test {
 protected:
  void Start(RpcServerOptions o = {}) {
    d_.Add(&prog_);
    o.host = "127.0.0.1";
    o.port = 0;
    o.drain_timeout = std::chrono::milliseconds(2000);
    server_ = std::make_unique<RpcServer>(o, d_);
    ASSERT_TRUE(server_->Start().ok());
  }
  SlowProgram prog_;
  Dispatcher d_;
  std::unique_ptr<RpcServer> server_;
};

TEST_F(ServerTest, PipelinedCallsAreAnsweredInCompletionOrder) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.ok());
  // The first call is slow; the fast ones behind it must not wait for it.
  ASSERT_TRUE(c.Send(CallWith(1, 1, 400)));
  for (uint32_t xid = 2; xid <= 5; ++xid) ASSERT_TRUE(c.Send(CallWith(xid, 1, 0)));
  std::vector<uint32_t> order;
  for (int i = 0; i < 5; ++i) {
    auto rec = c.Receive();
    ASSERT_TRUE(rec);
    order.push_back(ParseReply(*rec).xid);
  }
  EXPECT_EQ(order.back(), 1u) << "the slow call's reply should come last";
  EXPECT_EQ(std::set<uint32_t>(order.begin(), order.end()), (std::set<uint32_t>{1, 2, 3, 4, 5}));
}

// Quick procedures run on the network thread: they are answered while
// every worker is busy.
TEST_F(ServerTest, QuickCallsDoNotWaitForBusyWorkers) {
  RpcServerOptions o;
  o.worker_threads = 1;
  Start(o);
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(CallWith(1, 1, 600)));  // occupies the only worker
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(c.Send(CallWith(2, 3, 9)));
  auto first = c.Receive();
  ASSERT_TRUE(first);
  EXPECT_EQ(ParseReply(*first).xid, 2u) << "the quick call waited for the worker";
  auto second = c.Receive();
  ASSERT_TRUE(second);
  EXPECT_EQ(ParseReply(*second).xid, 1u);
}

// A brief call (a CREATE, the COMMIT of a small file) runs on the network
// thread only when the server has nothing else to do: no other call running,
// none queued behind it from the same client.
TEST_F(ServerTest, BriefCallsRunOnTheNetworkThreadOnlyWhenTheServerIsIdle) {
  RpcServerOptions o;
  o.worker_threads = 2;
  Start(o);
  RawClient c(server_->port());
  auto answer = [&](uint32_t xid) -> std::optional<uint32_t> {
    auto rec = c.Receive();
    if (!rec) return std::nullopt;
    auto r = ParseReply(*rec);
    EXPECT_EQ(r.xid, xid);
    return XdrReader(r.body).U32();
  };
  ASSERT_TRUE(c.Send(CallWith(1, 4, 0)));
  EXPECT_EQ(answer(1), 1u) << "alone: on the network thread";

  ASSERT_TRUE(c.Send(CallWith(2, 1, 300)));  // keeps a worker busy
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(c.Send(CallWith(3, 4, 0)));
  EXPECT_EQ(answer(3), 0u) << "another call was running: on a worker";
  EXPECT_EQ(answer(2), 300u);

  ASSERT_TRUE(c.SendRaw(FrameRecord(CallWith(4, 4, 200)) + FrameRecord(CallWith(5, 4, 0))));
  std::set<uint32_t> xids;
  for (int i = 0; i < 2; ++i) {
    auto rec = c.Receive();
    ASSERT_TRUE(rec);
    auto r = ParseReply(*rec);
    xids.insert(r.xid);
    EXPECT_EQ(XdrReader(r.body).U32(), 0u) << "call " << r.xid << ": another call was behind it, or running";
  }
  EXPECT_EQ(xids, (std::set<uint32_t>{4, 5}));

  ASSERT_TRUE(c.Send(CallWith(6, 4, 1000)));
  EXPECT_EQ(answer(6), 0u) << "too large to be brief: run again on a worker";
}

// Replies larger than the socket takes at once are finished by the network
// thread, whole and in one piece each, while later replies queue behind.
TEST_F(ServerTest, LargeRepliesArriveWholeWhenTheClientReadsSlowly) {
  Start();
  RawClient c(server_->port());
  // Three replies of 8 MiB are more than loopback's socket buffers hold.
  constexpr uint32_t kSize = 8 << 20;
  for (uint32_t xid = 1; xid <= 3; ++xid) ASSERT_TRUE(c.Send(CallWith(xid, 2, kSize)));
  ASSERT_TRUE(c.Send(CallWith(4, 3, 7)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::set<uint32_t> seen;
  for (int i = 0; i < 4; ++i) {
    auto rec = c.Receive();
    ASSERT_TRUE(rec);
    auto r = ParseReply(*rec);
    seen.insert(r.xid);
    XdrReader body(r.body);
    if (r.xid == 4) {
      EXPECT_EQ(body.U32(), 7u);
      continue;
    }
    std::string bytes(body.Opaque(kSize));
    ASSERT_TRUE(body.ok());
    EXPECT_TRUE(bytes == std::string(kSize, 'r')) << "reply " << r.xid << " has other bytes";
  }
  EXPECT_EQ(seen, (std::set<uint32_t>{1, 2, 3, 4}));
}

TEST_F(ServerTest, MultiFragmentRecordsAreReassembled) {
  Start();
  RawClient c(server_->port());
  std::string call = CallWith(7, 1, 0);
  XdrWriter w;
  for (size_t i = 0; i < call.size(); i += 5) {
    std::string_view part = std::string_view(call).substr(i, 5);
    bool last = i + 5 >= call.size();
    w.U32(static_cast<uint32_t>(part.size()) | (last ? kLastFragment : 0));
    w.buffer().append(part);
  }
  ASSERT_TRUE(c.SendRaw(w.buffer()));
  auto rec = c.Receive();
  ASSERT_TRUE(rec);
  EXPECT_EQ(ParseReply(*rec).xid, 7u);
}

TEST_F(ServerTest, OversizedRecordClosesTheConnectionAndServerStaysUp) {
  RpcServerOptions o;
  o.max_record = 4096;
  Start(o);
  RawClient bad(server_->port());
  XdrWriter w;
  w.U32(kLastFragment | 100000);
  ASSERT_TRUE(bad.SendRaw(w.buffer()));
  EXPECT_FALSE(bad.Receive()) << "the server should close the connection";
  RawClient good(server_->port());
  ASSERT_TRUE(good.Send(CallWith(3, 0, 0)));
  auto rec = good.Receive();
  ASSERT_TRUE(rec);
  EXPECT_EQ(ParseReply(*rec).xid, 3u);
}

TEST_F(ServerTest, UnknownProgramGetsAnAnswerOverTheWire) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(MakeCall({.xid = 11, .prog = 99, .vers = 1})));
  auto r = ParseReply(*c.Receive());
  EXPECT_EQ(r.xid, 11u);
  EXPECT_EQ(r.stat, static_cast<uint32_t>(AcceptStat::kProgUnavail));
}

// A client that sends many calls with large replies and never reads: the
// server stops reading from it (bounded memory) and drops it after the write
// timeout; other clients are served meanwhile and Stop() does not hang.
TEST_F(ServerTest, ClientThatStopsReadingIsBoundedAndDropped) {
  RpcServerOptions o;
  o.max_in_flight = 4;
  o.write_timeout = std::chrono::milliseconds(500);
  Start(o);
  RawClient hog(server_->port());
  int rcv = 4096;
  setsockopt(hog.fd(), SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
  timeval tv{2, 0};
  setsockopt(hog.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int sent = 0;
  for (; sent < 2000; ++sent) {
    if (!hog.Send(CallWith(sent, 2, 256 << 10, 64 << 10))) break;
  }
  EXPECT_LT(sent, 2000) << "the server kept reading from a client that never reads";
  RawClient other(server_->port());
  ASSERT_TRUE(other.Send(CallWith(5, 1, 0)));
  auto rec = other.Receive();
  ASSERT_TRUE(rec);
  EXPECT_EQ(ParseReply(*rec).xid, 5u);
  // The write timeout drops it (polled, so a loaded machine does not flake).
  for (int i = 0; i < 200 && server_->InFlight() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(server_->InFlight(), 0u) << "the stuck connection should have been dropped";
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

// A quiet connection is closed after idle_timeout, but not while one of its
// calls is still running.
TEST_F(ServerTest, IdleConnectionIsClosedButNotWhileACallRuns) {
  RpcServerOptions o;
  o.idle_timeout = std::chrono::milliseconds(200);
  Start(o);
  RawClient busy(server_->port());
  ASSERT_TRUE(busy.Send(CallWith(31, 1, 700)));  // runs for 3.5 idle periods
  auto rec = busy.Receive();
  ASSERT_TRUE(rec) << "a connection with a running call was closed as idle";
  EXPECT_EQ(ParseReply(*rec).xid, 31u);

  RawClient quiet(server_->port());
  ASSERT_TRUE(quiet.ok());
  timeval limit{.tv_sec = 10, .tv_usec = 0};
  ASSERT_EQ(setsockopt(quiet.fd(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit), 0);
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(quiet.Receive()) << "the server should close a quiet connection";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5))
      << "closed by the test's receive timeout, not by the server";
}

TEST_F(ServerTest, ConnectionsPerClientAreLimited) {
  RpcServerOptions o;
  o.max_connections_per_client = 2;
  Start(o);
  auto a = std::make_unique<RawClient>(server_->port());
  RawClient b(server_->port());
  ASSERT_TRUE(a->Send(CallWith(41, 0, 0)) && a->Receive());
  ASSERT_TRUE(b.Send(CallWith(42, 0, 0)) && b.Receive());
  timeval limit{.tv_sec = 10, .tv_usec = 0};
  {
    RawClient third(server_->port());
    ASSERT_EQ(setsockopt(third.fd(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit), 0);
    third.Send(CallWith(43, 0, 0));  // may fail once the server has closed it
    EXPECT_FALSE(third.Receive()) << "a third connection from one address should be refused";
  }
  // A slot given back is usable again (once the server has seen the close).
  a.reset();
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    RawClient again(server_->port());
    ASSERT_EQ(setsockopt(again.fd(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit), 0);
    served = again.Send(CallWith(44, 0, 0)) && again.Receive().has_value();
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(served) << "the closed connection's slot was not given back";
}

TEST_F(ServerTest, StopDrainsRunningCalls) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(CallWith(21, 1, 300)));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::thread stopper([&] { server_->Stop(); });
  auto rec = c.Receive();
  stopper.join();
  ASSERT_TRUE(rec) << "the call in flight at Stop() should still be answered";
  EXPECT_EQ(ParseReply(*rec).xid, 21u);
}

}  // namespace
}  // namespace nasd::nfs
