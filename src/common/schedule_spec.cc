#include "common/schedule_spec.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace nasd {
namespace {

constexpr size_t kMaxLabel = 16;

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

}  // namespace nasd
