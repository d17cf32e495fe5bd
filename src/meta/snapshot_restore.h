// Restore: rolls a share's live view back to a snapshot.
//
// First a safety snapshot (safety_name) freezes the live state, so a restore
// can itself be undone. Then every record whose live version differs from
// the version the snapshot sees gets, at the live epoch, a copy of the
// snapshot's version (or a tombstone where the snapshot has none); block
// records take a chunk reference for the copy. Nothing is copied for
// records the restore leaves alone, but the pass reads every record of the
// share (O(records)), in batches: it is not atomic. Writes made during a
// restore may survive or be undone record by record, so clients should be
// quiet; a restore interrupted by a crash is completed by running it again.
// Inode numbers are never reused, so restored files keep their numbers and
// files created after the snapshot simply disappear.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "common/status.h"
#include "kv/kv_engine.h"
#include "meta/snapshot_record.h"

namespace nasd::meta {

struct RestoreResult {
  SnapshotInfo safety;            // the snapshot taken first
  uint64_t records_restored = 0;  // records given a new live version
};

// kNotFound if the share has no snapshot name; kAlreadyExists if
// safety_name exists. clock as SnapshotStore's.
Result<RestoreResult> RestoreSnapshot(kv::KvEngine& kv, uint64_t share_id, std::string_view name,
                                      std::string_view safety_name,
                                      std::function<int64_t()> clock = {});

}  // namespace nasd::meta
