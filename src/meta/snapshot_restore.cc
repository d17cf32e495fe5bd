#include "meta/snapshot_restore.h"

#include <fmt/format.h>

#include "meta/chunk_refs.h"
#include "meta/keys.h"
#include "meta/records.h"
#include "meta/snapshot_store.h"
#include "meta/version_walk.h"
#include "meta/versioned.h"

namespace nasd::meta {
namespace {

constexpr size_t kBatchKeys = 512;

// The version a view at epoch sees (null: none, or a tombstone).
const StoredVersion* VisibleAt(const VersionedRecord& rec, uint64_t epoch) {
  for (const StoredVersion& v : rec.versions) {
    if (v.epoch <= epoch) return v.tombstone() ? nullptr : &v;
  }
  return nullptr;
}

Status RefChunkOf(kv::Transaction& txn, const VersionedRecord& rec, const StoredVersion* v,
                  int64_t delta) {
  if (rec.tag != keys::kBlockTag || v == nullptr) return Status::Ok();
  NASD_ASSIGN_OR_RETURN(BlockRecord block, DecodeBlock(v->value));
  return AddChunkRef(txn, block.chunk_id, delta);
}

}  // namespace

Result<RestoreResult> RestoreSnapshot(kv::KvEngine& kv, uint64_t share_id, std::string_view name,
                                      std::string_view safety_name,
                                      std::function<int64_t()> clock) {
  SnapshotStore store(kv, share_id, std::move(clock));
  NASD_ASSIGN_OR_RETURN(SnapshotInfo target, store.Get(name));
  RestoreResult result;
  NASD_ASSIGN_OR_RETURN(result.safety, store.Create(safety_name));
  uint64_t restored = 0;  // of the batch's latest attempt
  NASD_RETURN_IF_ERROR(WalkVersions(kv, share_id, kBatchKeys, [&](kv::Transaction& txn,
                                                                  std::vector<VersionedRecord>& batch) {
    restored = 0;
    // The live epoch, read (conflict-checked) so that a snapshot taken
    // meanwhile makes the batch rerun at the new epoch.
    NASD_ASSIGN_OR_RETURN(auto raw, txn.Get(keys::ShareFsKey(share_id)));
    if (!raw) return NotFound(fmt::format("share {} has no filesystem", share_id));
    NASD_ASSIGN_OR_RETURN(ShareFsRecord fs, DecodeShareFs(*raw));
    // Conflicts with a concurrent delete of the snapshot restored from.
    NASD_ASSIGN_OR_RETURN(auto still, GetSnapshot(txn, share_id, name));
    if (!still || still->epoch != target.epoch) {
      return NotFound(fmt::format("snapshot '{}' was deleted during the restore", name));
    }
    for (const VersionedRecord& rec : batch) {
      const StoredVersion* live = VisibleAt(rec, fs.epoch);
      const StoredVersion* want = VisibleAt(rec, target.epoch);
      if (live == want || (live && want && live->value == want->value)) continue;
      // Get()s the live epoch's version: a concurrent write of it conflicts.
      uint64_t live_epoch_found = 0;
      NASD_RETURN_IF_ERROR(ReadVersioned(txn, rec.base, fs.epoch, &live_epoch_found).status());
      // A version at the live epoch is replaced in place: it gives its
      // reference back. Older ones stay, held by their snapshots.
      if (live && live->epoch == fs.epoch) NASD_RETURN_IF_ERROR(RefChunkOf(txn, rec, live, -1));
      if (want) {
        WriteVersioned(txn, rec.base, fs.epoch, want->value);
        NASD_RETURN_IF_ERROR(RefChunkOf(txn, rec, want, +1));
      } else {
        NASD_RETURN_IF_ERROR(EraseVersioned(txn, rec.base, fs.epoch));
      }
      ++restored;
    }
    return Status::Ok();
  }, [&] { result.records_restored += restored; }));
  return result;
}

}  // namespace nasd::meta
