// A share's snapshot record (keys::SnapshotKey): the epoch the snapshot froze
// and when it was taken. Layout: docs/format/keys.md, "Snapshots".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace nasd::meta {

struct SnapshotInfo {
  std::string name;
  // The view sees, per record, the newest version written at or before epoch.
  uint64_t epoch = 0;
  int64_t created_ns = 0;  // Unix time in nanoseconds
  bool operator==(const SnapshotInfo&) const = default;
};

// The value only (the name is the key's).
std::string EncodeSnapshot(const SnapshotInfo& s);
Result<SnapshotInfo> DecodeSnapshot(std::string_view name, std::string_view value);

// 1-64 characters of [A-Za-z0-9._:-], not starting with a dot (so UTC
// timestamps such as 2026-11-26T11:00:00Z are valid names).
Status ValidateSnapshotName(std::string_view name);

}  // namespace nasd::meta
