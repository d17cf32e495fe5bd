// Scheduled snapshots of a share: what to take and how many to keep, and the
// policy deciding when (the runner is vfs/snapshot/snapshot_scheduler.h).
//
// A schedule "hourly every 1h keep 24" takes a snapshot named
// hourly-2026-11-26T11:00:00Z (label, '-', the UTC time of the period's
// start, a name SMB "Previous Versions" can later parse) once per period,
// aligned to the period since the Unix epoch, and deletes the oldest
// snapshots named label-... beyond keep. Snapshots with other names are
// never touched.
//
// Stored per share in the KV (keys::ScheduleKey, JSON), set through the API
// or `nasd snapshot schedule`; a change applies at the next check, with no
// restart.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/schedule_spec.h"
#include "common/status.h"
#include "kv/kv_engine.h"
#include "meta/snapshot_record.h"

namespace nasd::meta {

// The spec (label, period, keep) and its parser live in common/, for the
// config loader.
using ::nasd::FormatSchedule;
using ::nasd::ParseSchedule;
using ::nasd::SnapshotSchedule;
using ::nasd::ValidateSchedules;

Result<std::vector<SnapshotSchedule>> GetSchedules(kv::KvEngine& kv, uint64_t share_id);
// An empty list removes the share's schedules.
Status PutSchedules(kv::KvEngine& kv, uint64_t share_id, const std::vector<SnapshotSchedule>& schedules);

// The name of the snapshot s takes for the period holding now_ns.
std::string ScheduledName(const SnapshotSchedule& s, int64_t now_ns);
// Whether the period holding now_ns has no snapshot of s yet.
bool Due(const SnapshotSchedule& s, const std::vector<SnapshotInfo>& snapshots, int64_t now_ns);
// The snapshots of s beyond its keep, oldest first.
std::vector<std::string> Expired(const SnapshotSchedule& s, const std::vector<SnapshotInfo>& snapshots);

}  // namespace nasd::meta
