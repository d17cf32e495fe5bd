// RPC call decoding and the error replies of RFC 5531, on hostile input.
#include "nfs/dispatcher.h"

#include <gtest/gtest.h>

#include <random>

#include "nfs/rpc_test_util.h"

namespace nasd::nfs {
namespace {

using testing::AuthSysBody;
using testing::CallSpec;
using testing::MakeCall;
using testing::ParseReply;

// Program 400000, versions 2-3, procedures 0-1: proc 1 adds two uint32s and
// remembers the caller's uid. Proc 1 may be tried without waiting; it "would
// wait" for sums over 100.
class AddProgram : public RpcProgram {
 public:
  uint32_t program() const override { return 400000; }
  uint32_t min_version() const override { return 2; }
  uint32_t max_version() const override { return 3; }
  bool HasProcedure(uint32_t, uint32_t proc) const override { return proc <= 1; }
  std::string_view name() const override { return "test"; }
  std::string_view ProcedureName(uint32_t proc) const override { return proc == 0 ? "NULL" : "ADD"; }
  bool IsQuick(uint32_t, uint32_t proc) const override { return proc == 0; }
  bool MayTryQuick(uint32_t, uint32_t proc) const override { return proc == 1; }
  bool MayRunBrief(uint32_t, uint32_t proc) const override { return proc == 1; }
  ProcOutcome Call(const RpcCall& call, XdrReader& in, XdrWriter& out) override {
    if (call.header.proc == 0) return ProcOutcome::Ok();
    uint32_t a = in.U32();
    uint32_t b = in.U32();
    if (!in.ok()) return ProcOutcome::Garbage();
    if (a + b > 100 && (call.wait == Wait::kNone || always_block)) return ProcOutcome::WouldBlock();
    if (a + b > 1000 && call.wait == Wait::kBrief) return ProcOutcome::WouldBlock();
    last_uid = call.header.cred.uid;
    last_gids = call.header.cred.gids;
    out.U32(a + b);
    return ProcOutcome::Ok();
  }
  uint32_t last_uid = 0;
  std::vector<uint32_t> last_gids;
  bool always_block = false;  // a buggy procedure: WouldBlock on a worker too
};

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() { d_.Add(&prog_); }
  std::optional<std::string> Handle(const std::string& rec) { return d_.Handle(rec, peer_); }
  static std::string Args(uint32_t a, uint32_t b) {
    XdrWriter w;
    w.U32(a);
    w.U32(b);
    return w.Take();
  }
  AddProgram prog_;
  Dispatcher d_;
  Peer peer_{"127.0.0.1", 1000};
};

TEST_F(DispatcherTest, CallsTheProgramWithAuthSysIdentity) {
  auto reply = Handle(MakeCall({.xid = 77, .prog = 400000, .vers = 3, .proc = 1, .cred_flavor = 1,
                                .cred = AuthSysBody(1000, 100, {5, 6}), .args = Args(2, 40)}));
  ASSERT_TRUE(reply);
  auto r = ParseReply(*reply);
  EXPECT_EQ(r.xid, 77u);
  EXPECT_TRUE(r.accepted);
  EXPECT_EQ(r.stat, 0u);
  XdrReader body(r.body);
  EXPECT_EQ(body.U32(), 42u);
  EXPECT_EQ(prog_.last_uid, 1000u);
  EXPECT_EQ(prog_.last_gids, (std::vector<uint32_t>{5, 6}));
}

TEST_F(DispatcherTest, RouteOfReadsTheCallHeaderOnly) {
  auto route = [&](const CallSpec& spec) {
    Dispatcher::Route r = d_.RouteOf(MakeCall(spec));
    return std::string(r.quick ? "q" : "") + (r.try_quick ? "t" : "") + (r.brief ? "b" : "");
  };
  EXPECT_EQ(route({.xid = 1, .prog = 400000, .vers = 2, .proc = 0}), "q");
  EXPECT_EQ(route({.xid = 1, .prog = 400000, .vers = 2, .proc = 1}), "tb");
  EXPECT_EQ(route({.xid = 1, .prog = 400000, .vers = 9, .proc = 0}), "") << "unknown version";
  EXPECT_EQ(route({.xid = 1, .prog = 1, .vers = 2, .proc = 0}), "") << "unknown program";
  EXPECT_EQ(route({.xid = 1, .prog = 400000, .vers = 2, .proc = 7}), "") << "unknown procedure";
  std::string call = MakeCall({.xid = 1, .prog = 400000, .vers = 2, .proc = 0});
  for (size_t n = 0; n < 24; ++n) {
    Dispatcher::Route r = d_.RouteOf(call.substr(0, n));
    EXPECT_FALSE(r.quick || r.try_quick || r.brief) << n << " bytes";
  }
}

TEST_F(DispatcherTest, ANowaitCallThatWouldWaitIsDeferredUnseenAndRunsAgainOnAWorker) {
  int observed = 0;
  d_.SetObserver([&](const CallSummary&) { ++observed; });
  const std::string quick = MakeCall({.xid = 5, .prog = 400000, .vers = 3, .proc = 1, .args = Args(2, 3)});
  bool deferred = false;
  std::optional<XdrMessage> reply = d_.HandleMessage(quick, peer_, Wait::kNone, &deferred);
  EXPECT_FALSE(deferred);
  ASSERT_TRUE(reply);
  EXPECT_EQ(XdrReader(ParseReply(std::move(*reply).Flatten()).body).U32(), 5u);
  EXPECT_EQ(observed, 1);

  const std::string slow = MakeCall({.xid = 6, .prog = 400000, .vers = 3, .proc = 1, .args = Args(60, 70)});
  reply = d_.HandleMessage(slow, peer_, Wait::kNone, &deferred);
  EXPECT_TRUE(deferred);
  EXPECT_FALSE(reply) << "no reply: the call runs again";
  EXPECT_EQ(observed, 1) << "a deferred try is not a call";
  reply = d_.HandleMessage(slow, peer_);
  ASSERT_TRUE(reply);
  const std::string flat = std::move(*reply).Flatten();
  auto r = ParseReply(flat);
  EXPECT_EQ(r.xid, 6u);
  EXPECT_EQ(XdrReader(r.body).U32(), 130u);
  EXPECT_EQ(observed, 2);
}

// Wait::kBrief lets a call wait for more than kNone does, less than kAny.
TEST_F(DispatcherTest, ABriefCallRunsUnlessItsWorkIsLarge) {
  const std::string medium = MakeCall({.xid = 9, .prog = 400000, .vers = 3, .proc = 1, .args = Args(60, 70)});
  bool deferred = false;
  std::optional<XdrMessage> reply = d_.HandleMessage(medium, peer_, Wait::kBrief, &deferred);
  EXPECT_FALSE(deferred);
  ASSERT_TRUE(reply);
  EXPECT_EQ(XdrReader(ParseReply(std::move(*reply).Flatten()).body).U32(), 130u);

  const std::string large = MakeCall({.xid = 10, .prog = 400000, .vers = 3, .proc = 1, .args = Args(600, 700)});
  reply = d_.HandleMessage(large, peer_, Wait::kBrief, &deferred);
  EXPECT_TRUE(deferred);
  EXPECT_FALSE(reply);
}

TEST_F(DispatcherTest, WouldBlockFromACallAllowedToWaitIsASystemError) {
  prog_.always_block = true;
  auto reply = Handle(MakeCall({.xid = 8, .prog = 400000, .vers = 3, .proc = 1, .args = Args(60, 70)}));
  ASSERT_TRUE(reply);
  auto r = ParseReply(*reply);
  EXPECT_TRUE(r.accepted);
  EXPECT_EQ(r.stat, static_cast<uint32_t>(AcceptStat::kSystemErr));
}

TEST_F(DispatcherTest, ObserverSeesEveryCallAProgramRan) {
  std::vector<std::string> seen;
  d_.SetObserver([&](const CallSummary& c) {
    seen.push_back(std::string(c.program) + "." + std::string(c.procedure) + ":" +
                   std::to_string(static_cast<uint32_t>(c.accept)));
    EXPECT_GE(c.duration.count(), 0);
  });
  Handle(MakeCall({.xid = 1, .prog = 400000, .vers = 3, .proc = 1, .args = Args(1, 2)}));
  Handle(MakeCall({.xid = 2, .prog = 400000, .vers = 3, .proc = 1, .args = "x"}));  // garbage
  Handle(MakeCall({.xid = 3, .prog = 400000, .vers = 3, .proc = 0}));
  Handle(MakeCall({.xid = 4, .prog = 5, .vers = 3, .proc = 0}));  // no such program: not run
  EXPECT_EQ(seen, (std::vector<std::string>{"test.ADD:0", "test.ADD:4", "test.NULL:0"}));
}

TEST_F(DispatcherTest, UnknownProgramIsProgUnavail) {
  auto r = ParseReply(*Handle(MakeCall({.prog = 123, .vers = 1})));
  EXPECT_TRUE(r.accepted);
  EXPECT_EQ(r.stat, static_cast<uint32_t>(AcceptStat::kProgUnavail));
}

TEST_F(DispatcherTest, UnknownVersionIsProgMismatchWithTheRange) {
  auto r = ParseReply(*Handle(MakeCall({.prog = 400000, .vers = 4})));
  EXPECT_EQ(r.stat, static_cast<uint32_t>(AcceptStat::kProgMismatch));
  XdrReader body(r.body);
  EXPECT_EQ(body.U32(), 2u);
  EXPECT_EQ(body.U32(), 3u);
}

TEST_F(DispatcherTest, UnknownProcedureIsProcUnavail) {
  auto r = ParseReply(*Handle(MakeCall({.prog = 400000, .vers = 2, .proc = 9})));
  EXPECT_EQ(r.stat, static_cast<uint32_t>(AcceptStat::kProcUnavail));
}

TEST_F(DispatcherTest, TruncatedArgsAreGarbageArgs) {
  auto r = ParseReply(*Handle(MakeCall({.prog = 400000, .vers = 2, .proc = 1, .args = "\0\0\0\1"})));
  EXPECT_EQ(r.stat, static_cast<uint32_t>(AcceptStat::kGarbageArgs));
}

TEST_F(DispatcherTest, WrongRpcVersionIsDeniedRpcMismatch) {
  auto r = ParseReply(*Handle(MakeCall({.rpcvers = 3, .prog = 400000, .vers = 2})));
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.stat, 0u);  // RPC_MISMATCH
  XdrReader body(r.body);
  EXPECT_EQ(body.U32(), 2u);
  EXPECT_EQ(body.U32(), 2u);
}

// Denied with AUTH_ERROR / AUTH_BADCRED.
void ExpectBadCred(const std::optional<std::string>& reply) {
  ASSERT_TRUE(reply);
  auto r = ParseReply(*reply);
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.stat, 1u);  // AUTH_ERROR
  XdrReader body(r.body);
  EXPECT_EQ(body.U32(), static_cast<uint32_t>(AuthStat::kBadCred));
}

TEST_F(DispatcherTest, UnsupportedFlavorIsBadCred) {
  ExpectBadCred(Handle(MakeCall({.prog = 400000, .vers = 2, .cred_flavor = 6, .cred = "x"})));
}

TEST_F(DispatcherTest, MalformedAuthSysIsBadCred) {
  // Truncated body.
  ExpectBadCred(Handle(MakeCall({.prog = 400000, .vers = 2, .cred_flavor = 1, .cred = "\0\0\0\0"})));
  // Seventeen groups: over AUTH_SYS's limit of 16.
  std::vector<uint32_t> gids(17, 1);
  ExpectBadCred(Handle(MakeCall({.prog = 400000, .vers = 2, .cred_flavor = 1, .cred = AuthSysBody(1, 1, gids)})));
  // Trailing bytes after the gids.
  ExpectBadCred(
      Handle(MakeCall({.prog = 400000, .vers = 2, .cred_flavor = 1, .cred = AuthSysBody(1, 1) + "zzzz"})));
}

TEST_F(DispatcherTest, CredentialOver400BytesIsBadCred) {
  ExpectBadCred(Handle(MakeCall({.prog = 400000, .vers = 2, .cred_flavor = 1, .cred = std::string(404, 'a')})));
}

TEST_F(DispatcherTest, ReplyMessagesAndRunsAreDropped) {
  XdrWriter w;
  w.U32(5);
  w.U32(1);  // REPLY
  EXPECT_FALSE(Handle(w.buffer()));
  EXPECT_FALSE(Handle(""));
  EXPECT_FALSE(Handle("abc"));
}

TEST_F(DispatcherTest, HeaderTruncatedAfterTheTypeIsGarbageArgs) {
  std::string call = MakeCall({.xid = 9, .prog = 400000, .vers = 2});
  auto r = ParseReply(*Handle(call.substr(0, 14)));
  EXPECT_EQ(r.xid, 9u);
  EXPECT_EQ(r.stat, static_cast<uint32_t>(AcceptStat::kGarbageArgs));
}

// Every prefix and many random corruptions of a valid call get some answer
// or none, never a crash (run under ASan/UBSan).
TEST_F(DispatcherTest, EveryTruncationAndRandomCorruptionIsHandled) {
  std::string call = MakeCall({.xid = 1, .prog = 400000, .vers = 3, .proc = 1, .cred_flavor = 1,
                               .cred = AuthSysBody(1, 2, {3}), .args = Args(1, 2)});
  for (size_t n = 0; n <= call.size(); ++n) (void)Handle(call.substr(0, n));
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::string bad = call;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] = static_cast<char>(rng());
    (void)Handle(bad.substr(0, rng() % (bad.size() + 1)));
  }
}

}  // namespace
}  // namespace nasd::nfs
