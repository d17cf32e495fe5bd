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

constexpr size_t kMaxLabel = 16;
constexpr int64_t kNsPerSec = 1'000'000'000;

Status CheckOne(const SnapshotSchedule& s) {
  if (s.label.empty() || s.label.size() > kMaxLabel ||
      !std::all_of(s.label.begin(), s.label.end(),
                   [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); })) {
    return InvalidArgument(fmt::format("schedule label '{}' must be 1-{} of a-z 0-9", s.label, kMaxLabel));
  }
  if (s.every < std::chrono::minutes(1)) {
    return InvalidArgument(fmt::format("schedule '{}' must not run more often than every minute", s.label));
  }
  if (s.keep == 0) return InvalidArgument(fmt::format("schedule '{}' must keep at least 1", s.label));
  return Status::Ok();
}

std::string Prefix(const SnapshotSchedule& s) { return s.label + "-"; }

std::string FormatEvery(std::chrono::seconds every) {
  const int64_t n = every.count();
  if (n % (7 * 86400) == 0) return fmt::format("{}w", n / (7 * 86400));
  if (n % 86400 == 0) return fmt::format("{}d", n / 86400);
  if (n % 3600 == 0) return fmt::format("{}h", n / 3600);
  return fmt::format("{}m", n / 60);
}

}  // namespace

Result<SnapshotSchedule> ParseSchedule(std::string_view spec) {
  auto bad = [&] {
    return InvalidArgument(fmt::format("schedule '{}' is not LABEL:EVERY:KEEP (e.g. hourly:1h:24)", spec));
  };
  const size_t a = spec.find(':');
  const size_t b = a == std::string_view::npos ? a : spec.find(':', a + 1);
  if (b == std::string_view::npos) return bad();
  SnapshotSchedule s;
  s.label = std::string(spec.substr(0, a));
  std::string_view every = spec.substr(a + 1, b - a - 1);
  std::string_view keep = spec.substr(b + 1);
  if (every.size() < 2) return bad();
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(every.data(), every.data() + every.size() - 1, n);
  if (ec != std::errc() || p != every.data() + every.size() - 1 || n == 0 || n > 10000) return bad();
  switch (every.back()) {
    case 'm': s.every = std::chrono::minutes(n); break;
    case 'h': s.every = std::chrono::hours(n); break;
    case 'd': s.every = std::chrono::hours(24 * n); break;
    case 'w': s.every = std::chrono::hours(24 * 7 * n); break;
    default: return bad();
  }
  auto [q, ec2] = std::from_chars(keep.data(), keep.data() + keep.size(), s.keep);
  if (ec2 != std::errc() || q != keep.data() + keep.size()) return bad();
  NASD_RETURN_IF_ERROR(CheckOne(s));
  return s;
}

std::string FormatSchedule(const SnapshotSchedule& s) {
  return fmt::format("{}:{}:{}", s.label, FormatEvery(s.every), s.keep);
}

Status ValidateSchedules(const std::vector<SnapshotSchedule>& schedules) {
  for (size_t i = 0; i < schedules.size(); ++i) {
    NASD_RETURN_IF_ERROR(CheckOne(schedules[i]));
    for (size_t j = 0; j < i; ++j) {
      if (schedules[j].label == schedules[i].label) {
        return InvalidArgument(fmt::format("schedule label '{}' is used twice", schedules[i].label));
      }
    }
  }
  return Status::Ok();
}

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
