// The epoch-versioned record path (DESIGN.md §4). Every versioned record is
// stored under base + keys::VersionSuffix(epoch); the newest version sorts
// first. This is the only way filesystem records are read or written.
//
// Reads: a view at epoch e sees, per base key, the newest version written at
// or before e; a tombstone version hides the record. The live view is e = E,
// the share's current epoch.
// Writes happen only at the live epoch E: Write puts base@E (overwriting in
// place when the newest version is already at E, else adding a version);
// Erase removes base@E and, when older versions exist, writes a tombstone
// at E instead so that they stay hidden from the live view.
//
// Versions are written at epochs >= keys::kFirstEpoch only, so a view at
// the first epoch needs no look for older versions.
//
// Conflicts: Read first Get()s base@e, so a concurrent write of that version
// (or its creation) conflicts; older versions are immutable once E has moved
// past them, so the fallback scan needs no conflict check.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "kv/kv_engine.h"

namespace nasd::meta {

// The value (format byte included) of the newest non-tombstone version at or
// before epoch; nullopt when there is none or the newest is a tombstone.
// found_epoch, when given, receives the epoch that wrote the returned value.
Result<std::optional<std::string>> ReadVersioned(kv::Transaction& txn, std::string_view base,
                                                 uint64_t epoch, uint64_t* found_epoch = nullptr);
// The same without a conflict check (Transaction::GetUntracked): for values
// whose change must not make the reader's commit fail.
Result<std::optional<std::string>> ReadVersionedUntracked(kv::Transaction& txn,
                                                          std::string_view base, uint64_t epoch);
void WriteVersioned(kv::Transaction& txn, std::string_view base, uint64_t epoch,
                    std::string_view value);
Status EraseVersioned(kv::Transaction& txn, std::string_view base, uint64_t epoch);

// Visits, in base-key order, the records under prefix whose base key is
// >= start (start empty: from the prefix) as seen at epoch, skipping
// tombstones. fn gets the base key and value and returns false to stop.
// Scans are not conflict-checked: callers Get() a guard key (kv_engine.h).
using VersionVisitor = std::function<bool(std::string_view base, std::string_view value)>;
Status ScanVersioned(kv::Transaction& txn, std::string_view prefix, std::string_view start,
                     uint64_t epoch, const VersionVisitor& fn);

}  // namespace nasd::meta
