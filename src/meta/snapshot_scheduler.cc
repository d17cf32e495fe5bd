#include "meta/snapshot_scheduler.h"

#include "common/logging.h"
#include "meta/clock.h"
#include "meta/share_store.h"
#include "meta/snapshot_schedule.h"
#include "meta/snapshot_store.h"

namespace nasd::meta {
namespace {

Status CheckShare(kv::KvEngine& kv, const ShareInfo& share,
                  const std::function<Status(std::string_view)>& flush, int64_t now,
                  const std::function<int64_t()>& clock, SchedulerCounts& counts) {
  NASD_ASSIGN_OR_RETURN(std::vector<SnapshotSchedule> schedules, GetSchedules(kv, share.id));
  if (schedules.empty()) return Status::Ok();
  SnapshotStore store(kv, share.id, clock);
  for (const SnapshotSchedule& s : schedules) {
    NASD_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> snaps, store.List());
    if (Due(s, snaps, now)) {
      if (flush) NASD_RETURN_IF_ERROR(flush(share.name));
      Result<SnapshotInfo> made = store.Create(ScheduledName(s, now));
      if (made.ok()) {
        ++counts.taken;
        snaps.push_back(*made);
      } else if (made.status().code() != Code::kAlreadyExists) {
        return made.status();
      }
    }
    for (const std::string& name : Expired(s, snaps)) {
      Status st = store.Delete(name);
      if (!st.ok() && st.code() != Code::kNotFound) return st;
      if (st.ok()) ++counts.deleted;
    }
  }
  return Status::Ok();
}

}  // namespace

SnapshotScheduler::SnapshotScheduler(kv::KvEngine& kv,
                                     std::function<Status(std::string_view share)> flush,
                                     std::function<int64_t()> clock)
    : kv_(kv), flush_(std::move(flush)), clock_(clock ? std::move(clock) : SystemNowNs) {}

SnapshotScheduler::~SnapshotScheduler() { Stop(); }

void SnapshotScheduler::Start(std::chrono::milliseconds interval) {
  periodic_.Start(interval, [this] {
    Result<SchedulerCounts> r = RunOnce();
    if (r.ok() && (r->taken > 0 || r->deleted > 0)) {
      log::Info("snapshot.scheduled").Int("taken", r->taken).Int("deleted", r->deleted);
    }
  });
}

void SnapshotScheduler::Stop() { periodic_.Stop(); }

Result<SchedulerCounts> SnapshotScheduler::RunOnce() {
  SchedulerCounts counts;
  NASD_ASSIGN_OR_RETURN(std::vector<ShareInfo> shares, ShareStore(kv_).List());
  const int64_t now = clock_();
  Status first;
  for (const ShareInfo& share : shares) {
    Status st = CheckShare(kv_, share, flush_, now, clock_, counts);
    if (!st.ok()) {
      log::Warn("snapshot.schedule_failed").Str("share", share.name).Err(st);
      if (first.ok()) first = st;
    }
  }
  if (!first.ok()) return first;
  return counts;
}

}  // namespace nasd::meta
