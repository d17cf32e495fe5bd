// SnapshotStore: the snapshots of one share (DESIGN.md §4).
//
// Creating a snapshot is one transaction that records the live epoch E under
// the snapshot's name and moves the live epoch to E+1: constant time, nothing
// is copied. Every later write lands at E+1 and so adds a version instead of
// overwriting one the snapshot sees. Because the transaction rewrites the
// share's filesystem record, which every filesystem transaction reads, it
// conflicts with every transaction in flight: a snapshot holds exactly the
// transactions committed before it.
//
// Deleting a snapshot removes its record and marks the share as owing a
// pruning pass (snapshot_prune.h), which drops the versions no view needs any
// more and gives their chunk references back, in the background.
//
// Every method is one KV transaction, retried on conflict, durable when it
// returns. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kv/kv_engine.h"
#include "meta/snapshot_record.h"

namespace nasd::meta {

// The largest epoch a snapshot may freeze: vfs carries a snapshot's epoch in
// 23 bits of its inode numbers (vfs/snapshot_ino.h).
inline constexpr uint64_t kMaxSnapshotEpoch = (uint64_t{1} << 23) - 1;

// Inside a caller's transaction: every snapshot of the share, oldest (lowest
// epoch) first. Scanned, not conflict-checked.
Result<std::vector<SnapshotInfo>> ListSnapshots(kv::Transaction& txn, uint64_t share_id);
// Conflict-checked (a Get): a concurrent delete of it conflicts.
Result<std::optional<SnapshotInfo>> GetSnapshot(kv::Transaction& txn, uint64_t share_id,
                                                std::string_view name);

class SnapshotStore {
 public:
  // clock: Unix ns for created_ns; the system clock when empty.
  SnapshotStore(kv::KvEngine& kv, uint64_t share_id, std::function<int64_t()> clock = {});

  // kInvalidArgument (name), kAlreadyExists, kFailedPrecondition when the
  // share has used up kMaxSnapshotEpoch epochs. Formats the share's
  // filesystem first if it never was.
  Result<SnapshotInfo> Create(std::string_view name);
  // Oldest first.
  Result<std::vector<SnapshotInfo>> List();
  // kNotFound if absent.
  Result<SnapshotInfo> Get(std::string_view name);
  // The snapshot that froze epoch, if any.
  Result<std::optional<SnapshotInfo>> FindByEpoch(uint64_t epoch);
  // kNotFound if absent. Its versions are pruned later (snapshot_prune.h).
  Status Delete(std::string_view name);

 private:
  kv::KvEngine& kv_;
  const uint64_t share_id_;
  const std::function<int64_t()> clock_;
};

}  // namespace nasd::meta
