// Periodic: runs a task every interval on a thread of its own (the
// collector's and the snapshot scheduler's background passes). Stop() wakes
// the thread, waits for the run in progress and joins; the destructor stops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "common/thread_annotations.h"

namespace nasd::meta {

class Periodic {
 public:
  Periodic() = default;
  ~Periodic() { Stop(); }
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  // At most once; the first run is one interval from now.
  void Start(std::chrono::milliseconds interval, std::function<void()> task);
  void Stop();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace nasd::meta
