#include "meta/snapshot_schedule.h"

#include <algorithm>
#include <charconv>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kv/retry.h"
#include "meta/keys.h"

namespace nasd::meta {
namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

std::string Prefix(const SnapshotSchedule& s) { return s.label + "-"; }

}  // namespace

Result<std::vector<SnapshotSchedule>> GetSchedules(kv::KvEngine& kv, uint64_t share_id) {
  NASD_ASSIGN_OR_RETURN(auto raw, kv.Get(keys::ScheduleKey(share_id)));
  std::vector<SnapshotSchedule> out;
  if (!raw) return out;
  auto j = nlohmann::json::parse(*raw, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_array()) return Corruption("snapshot schedule record is malformed");
  for (const auto& item : j) {
    if (!item.is_string()) return Corruption("snapshot schedule record is malformed");
    Result<SnapshotSchedule> s = ParseSchedule(item.get<std::string>());
    if (!s.ok()) return Corruption(fmt::format("snapshot schedule record: {}", s.status().message()));
    out.push_back(std::move(*s));
  }
  return out;
}

Status PutSchedules(kv::KvEngine& kv, uint64_t share_id, const std::vector<SnapshotSchedule>& schedules) {
  NASD_RETURN_IF_ERROR(ValidateSchedules(schedules));
  nlohmann::json j = nlohmann::json::array();
  for (const SnapshotSchedule& s : schedules) j.push_back(FormatSchedule(s));
  return kv::RunTransaction(kv, [&](kv::Transaction& txn) -> Status {
    if (schedules.empty()) {
      txn.Delete(keys::ScheduleKey(share_id));
    } else {
      txn.Put(keys::ScheduleKey(share_id), j.dump());
    }
    return Status::Ok();
  });
}

std::string ScheduledName(const SnapshotSchedule& s, int64_t now_ns) {
  const int64_t period = s.every.count();
  const int64_t secs = now_ns / kNsPerSec;
  const std::time_t start = static_cast<std::time_t>(secs - secs % period);
  std::tm tm{};
  gmtime_r(&start, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return Prefix(s) + buf;
}

bool Due(const SnapshotSchedule& s, const std::vector<SnapshotInfo>& snapshots, int64_t now_ns) {
  const std::string name = ScheduledName(s, now_ns);
  return std::none_of(snapshots.begin(), snapshots.end(),
                      [&](const SnapshotInfo& i) { return i.name == name; });
}

std::vector<std::string> Expired(const SnapshotSchedule& s, const std::vector<SnapshotInfo>& snapshots) {
  std::vector<const SnapshotInfo*> mine;
  for (const SnapshotInfo& i : snapshots) {
    if (i.name.rfind(Prefix(s), 0) == 0) mine.push_back(&i);
  }
  std::sort(mine.begin(), mine.end(),
            [](const SnapshotInfo* a, const SnapshotInfo* b) { return a->epoch < b->epoch; });
  std::vector<std::string> out;
  for (size_t i = 0; i + s.keep < mine.size(); ++i) out.push_back(mine[i]->name);
  return out;
}

}  // namespace nasd::meta
