#include "smb/supervisor.h"

#include <signal.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "smb/process.h"

namespace nasd::smb {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

SupervisorOptions Options(std::string script) {
  SupervisorOptions o;
  o.argv = {"sh", "-c", std::move(script)};
  o.initial_backoff = milliseconds(50);
  o.stop_timeout = seconds(5);
  return o;
}

// Polls until pred holds (10 s at most).
template <typename Pred>
bool Eventually(Pred pred) {
  for (int i = 0; i < 1000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

bool Alive(pid_t pid) { return !ProcCmdline(pid).empty(); }

TEST(SupervisorTest, RestartsAChildKilledWithSigkill) {
  Supervisor sup(Options("exec sleep 60"));
  sup.Start();
  ASSERT_TRUE(sup.WaitRunning(seconds(10)));
  const pid_t first = sup.status().pid;
  ASSERT_GT(first, 0);
  EXPECT_EQ(::getpgid(first), first);  // its own process group
  ::kill(first, SIGKILL);
  ASSERT_TRUE(Eventually([&] {
    auto s = sup.status();
    return s.state == ChildState::kRunning && s.pid != first && s.pid > 0;
  }));
  SupervisorStatus s = sup.status();
  EXPECT_EQ(s.restarts, 1u);
  EXPECT_EQ(s.last_exit, "signal 9 (Killed)");
  sup.Stop();
  EXPECT_EQ(sup.status().state, ChildState::kStopped);
  EXPECT_FALSE(Alive(s.pid));
}

TEST(SupervisorTest, StopsTheChildEvenWhenNasdBlocksSigterm) {
  // serve blocks SIGTERM in every thread; the child must not inherit that.
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigset_t old;
  pthread_sigmask(SIG_BLOCK, &term, &old);
  SupervisorOptions o = Options("exec sleep 60");
  o.stop_timeout = seconds(30);
  Supervisor sup(std::move(o));
  sup.Start();
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ASSERT_TRUE(sup.WaitRunning(seconds(10)));
  const pid_t pid = sup.status().pid;
  auto t0 = std::chrono::steady_clock::now();
  sup.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, seconds(5));  // SIGTERM did it, not SIGKILL
  EXPECT_FALSE(Alive(pid));
}

TEST(SupervisorTest, KillsAChildThatIgnoresSigterm) {
  SupervisorOptions o = Options("trap '' TERM; echo up; while :; do sleep 0.05; done");
  o.stop_timeout = milliseconds(300);
  Supervisor sup(std::move(o));
  sup.Start();
  ASSERT_TRUE(sup.WaitRunning(seconds(10)));
  const pid_t pid = sup.status().pid;
  sup.Stop();
  EXPECT_FALSE(Alive(pid));
}

TEST(SupervisorTest, ForwardsOutputLinesIntoTheLog) {
  testing::internal::CaptureStderr();
  {
    Supervisor sup(Options("echo hello-from-child; echo to-stderr >&2; "
                           "printf '[2026/01/02 03:04:05.678901,  0] ../server.c:12(main)\\n  smbd started\\n'; "
                           "exec sleep 60"));
    sup.Start();
    ASSERT_TRUE(sup.WaitRunning(seconds(10)));
    std::this_thread::sleep_for(milliseconds(300));
    sup.Stop();
  }
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("smb.smbd"), std::string::npos) << err;
  EXPECT_NE(err.find("hello-from-child"), std::string::npos) << err;
  EXPECT_NE(err.find("to-stderr"), std::string::npos) << err;
  // Samba's header line and its message become one event.
  EXPECT_NE(err.find("smbd started"), std::string::npos) << err;
  EXPECT_NE(err.find("../server.c:12(main)"), std::string::npos) << err;
  EXPECT_EQ(err.find("2026/01/02"), std::string::npos) << err;
}

TEST(SupervisorTest, BacksOffAndReportsFailureOfAChildThatKeepsDying) {
  SupervisorOptions o = Options("echo dying; exit 3");
  o.initial_backoff = milliseconds(10);
  o.failed_after = 3;
  Supervisor sup(std::move(o));
  sup.Start();
  ASSERT_TRUE(Eventually([&] { return sup.status().state == ChildState::kFailed; }));
  SupervisorStatus s = sup.status();
  EXPECT_GE(s.restarts, 2u);
  EXPECT_EQ(s.last_exit, "exit code 3");
  // Backoff doubles: 10+20+40+80+160+320 ms means few restarts in half a second.
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_LT(sup.status().restarts, 10u);
  sup.Stop();
}

TEST(SupervisorTest, MissingProgramIsAFailureNamingIt) {
  SupervisorOptions o;
  o.argv = {"nasd-no-such-program"};
  o.initial_backoff = milliseconds(10);
  Supervisor sup(std::move(o));
  sup.Start();
  ASSERT_TRUE(Eventually([&] { return sup.status().state == ChildState::kFailed; }));
  EXPECT_NE(sup.status().last_exit.find("nasd-no-such-program"), std::string::npos);
  sup.Stop();
}

TEST(SupervisorTest, StartingUntilTheReadyProbeAnswers) {
  std::atomic<bool> ready{false};
  SupervisorOptions o = Options("exec sleep 60");
  o.ready = [&ready] { return ready.load(); };
  Supervisor sup(std::move(o));
  sup.Start();
  ASSERT_TRUE(Eventually([&] { return sup.status().pid > 0; }));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(sup.status().state, ChildState::kStarting);
  ready = true;
  EXPECT_TRUE(sup.WaitRunning(seconds(10)));
  sup.Stop();
}

}  // namespace
}  // namespace nasd::smb
