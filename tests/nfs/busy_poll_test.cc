// RunBusyPolling: work handed over quickly is caught while polling; a slow
// producer stops the polling after two misses; may_poll() and a zero budget
// turn it off; stop() ends the loop.
#include "nfs/busy_poll.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace nasd::nfs {
namespace {

namespace asio = boost::asio;
using std::chrono::microseconds;
using std::chrono::milliseconds;

// Runs RunBusyPolling on its own thread over an io_context kept alive by a
// work guard, and hands it handlers one at a time, each after the previous
// one ran and `gap` passed.
class Poller {
 public:
  Poller(microseconds budget, std::function<bool()> may_poll)
      : guard_(ioc_.get_executor()),
        thread_([this, budget, may_poll = std::move(may_poll)] { RunBusyPolling(ioc_, budget, may_poll, stats_); }) {}
  ~Poller() { Stop(); }

  // Ends the loop; its counts are final from here on.
  void Stop() {
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }

  void Feed(int handlers, milliseconds gap) {
    for (int i = 0; i < handlers; ++i) {
      if (gap.count() > 0) std::this_thread::sleep_for(gap);
      std::unique_lock lock(mu_);
      const int want = ran_ + 1;
      asio::post(ioc_, [this] {
        std::lock_guard l(mu_);
        ++ran_;
        cv_.notify_all();
      });
      cv_.wait(lock, [&] { return ran_ >= want; });
    }
  }

  const BusyPollStats& stats() const { return stats_; }
  int ran() {
    std::lock_guard l(mu_);
    return ran_;
  }

 private:
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  BusyPollStats stats_;
  std::mutex mu_;
  std::condition_variable cv_;
  int ran_ = 0;
  std::thread thread_;
};

TEST(BusyPollTest, WorkHandedOverQuicklyIsCaughtWhilePolling) {
  // Each handler comes 1 ms after the last one ran, so the thread is idle
  // (polling) when it comes; the budget is far above that, so that a busy
  // machine does not turn a catch into a miss.
  Poller p(microseconds(200'000), [] { return true; });
  p.Feed(50, milliseconds(1));
  p.Stop();
  EXPECT_EQ(p.ran(), 50);
  EXPECT_GE(p.stats().caught.load(), 45u);
  EXPECT_LE(p.stats().missed.load(), 2u);
  EXPECT_LE(p.stats().slept.load(), 2u);
}

TEST(BusyPollTest, ASlowProducerStopsThePollingAfterTwoMisses) {
  Poller p(microseconds(1'000), [] { return true; });
  p.Feed(6, milliseconds(30));
  p.Stop();
  EXPECT_EQ(p.ran(), 6);
  EXPECT_EQ(p.stats().caught.load(), 0u);
  EXPECT_EQ(p.stats().missed.load(), 2u);  // then it slept at once
  EXPECT_GE(p.stats().slept.load(), 6u);
}

TEST(BusyPollTest, NeverPollsWhenMayPollSaysNoOrTheBudgetIsZero) {
  for (microseconds budget : {microseconds(200'000), microseconds(0)}) {
    Poller p(budget, [budget] { return budget.count() == 0; });
    p.Feed(20, milliseconds(1));
    p.Stop();
    EXPECT_EQ(p.ran(), 20);
    EXPECT_EQ(p.stats().caught.load(), 0u);
    EXPECT_EQ(p.stats().missed.load(), 0u);
  }
}

TEST(BusyPollTest, StopEndsTheLoopWhilePolling) {
  asio::io_context ioc;
  auto guard = asio::make_work_guard(ioc);
  BusyPollStats stats;
  std::thread t([&] { RunBusyPolling(ioc, microseconds(10'000'000), [] { return true; }, stats); });
  std::this_thread::sleep_for(milliseconds(20));  // now polling, with ten seconds of budget
  const auto start = std::chrono::steady_clock::now();
  ioc.stop();
  t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace nasd::nfs
