#include "nfs/busy_poll.h"

#include <boost/asio/io_context.hpp>

namespace nasd::nfs {
namespace {

// At most one thread of a process polls at a time: two would only burn both
// cores of a small machine for the same events.
std::atomic<bool> g_polling{false};

// Polls in a row that may find nothing before the thread stops polling (until
// a short sleep shows that calls come quickly again). One is not enough: a
// client's calls come in bursts (one file's calls), and the first gap after a
// burst is long.
constexpr int kMaxMisses = 2;

}  // namespace

void RunBusyPolling(boost::asio::io_context& ioc, std::chrono::microseconds budget,
                    const std::function<bool()>& may_poll, BusyPollStats& stats) {
  if (budget.count() <= 0) {
    ioc.run();
    return;
  }
  using Clock = std::chrono::steady_clock;
  int misses = 0;  // polls in a row that found nothing
  while (!ioc.stopped()) {
    if (ioc.poll() > 0) continue;  // ran what was ready; look again
    if (ioc.stopped()) break;
    const Clock::time_point idle_from = Clock::now();
    bool expected = false;
    if (misses < kMaxMisses && may_poll() && g_polling.compare_exchange_strong(expected, true)) {
      bool caught = false;
      const Clock::time_point until = idle_from + budget;
      do {
        if (ioc.poll() > 0) {
          caught = true;
          break;
        }
      } while (!ioc.stopped() && Clock::now() < until);
      g_polling.store(false);
      if (caught) {
        stats.caught.fetch_add(1, std::memory_order_relaxed);
        misses = 0;
        continue;
      }
      if (ioc.stopped()) break;
      stats.missed.fetch_add(1, std::memory_order_relaxed);
      ++misses;
    }
    ioc.run_one();
    stats.slept.fetch_add(1, std::memory_order_relaxed);
    // A sleep this short (its wake-up included) is a gap a poll would catch.
    if (Clock::now() - idle_from <= 2 * budget) misses = 0;
  }
}

}  // namespace nasd::nfs
