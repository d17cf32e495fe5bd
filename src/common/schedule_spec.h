// A snapshot schedule's spec, "LABEL:EVERY:KEEP" (e.g. hourly:1h:24): what
// to take, how often and how many to keep. Parsed here, below meta/, so the
// config loader and the API validate schedules alike; meta/snapshot_schedule.h
// stores and runs them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace nasd {

struct SnapshotSchedule {
  std::string label;           // 1-16 of a-z 0-9
  std::chrono::seconds every;  // >= 1 minute
  uint32_t keep = 0;           // >= 1
  bool operator==(const SnapshotSchedule&) const = default;
};

// Parses "LABEL:EVERY:KEEP", e.g. "hourly:1h:24", "daily:1d:7", "weekly:1w:4"
// (EVERY: a number with m, h, d or w). kInvalidArgument with the reason.
Result<SnapshotSchedule> ParseSchedule(std::string_view spec);
std::string FormatSchedule(const SnapshotSchedule& s);  // the same form
// kInvalidArgument unless valid and the labels are distinct.
Status ValidateSchedules(const std::vector<SnapshotSchedule>& schedules);

}  // namespace nasd
