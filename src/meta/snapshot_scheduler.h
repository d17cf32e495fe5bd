// SnapshotScheduler: takes every share's scheduled snapshots when they are
// due and deletes those beyond each schedule's keep (snapshot_schedule.h).
// serve runs one; a check that finds nothing due changes nothing, so a
// restart or a missed check at worst takes the current period's snapshot
// late (periods missed entirely are not made up).
//
// Thread-safe; Stop() (or the destructor) waits for the check in progress.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "common/status.h"
#include "kv/kv_engine.h"
#include "meta/periodic.h"

namespace nasd::meta {

struct SchedulerCounts {
  uint64_t taken = 0;
  uint64_t deleted = 0;
};

class SnapshotScheduler {
 public:
  // flush: commits a share's buffered writes before its snapshot (may be
  // null). clock: Unix ns; the system clock when empty. kv must outlive it.
  SnapshotScheduler(kv::KvEngine& kv, std::function<Status(std::string_view share)> flush,
                    std::function<int64_t()> clock = {});
  ~SnapshotScheduler();

  // One check of every share. Errors of one share are logged and the others
  // still checked; the first is returned.
  Result<SchedulerCounts> RunOnce();
  void Start(std::chrono::milliseconds interval);
  void Stop();

 private:
  kv::KvEngine& kv_;
  const std::function<Status(std::string_view)> flush_;
  const std::function<int64_t()> clock_;
  Periodic periodic_;
};

}  // namespace nasd::meta
