#include "meta/snapshot_prune.h"

#include <algorithm>
#include <vector>

#include "kv/retry.h"
#include "meta/chunk_refs.h"
#include "meta/keys.h"
#include "meta/records.h"
#include "meta/snapshot_store.h"
#include "meta/version_walk.h"

namespace nasd::meta {
namespace {

// Whether a snapshot epoch lies in [from, to).
bool SeenBySnapshot(const std::vector<uint64_t>& epochs, uint64_t from, uint64_t to) {
  auto it = std::lower_bound(epochs.begin(), epochs.end(), from);
  return it != epochs.end() && *it < to;
}

Status Drop(kv::Transaction& txn, const VersionedRecord& rec, const StoredVersion& v,
            PruneStats& stats) {
  const std::string key = keys::VersionedKey(rec.base, v.epoch);
  // Read for the conflict check: a live write of this very key (the live
  // epoch's version) makes the batch rerun.
  NASD_RETURN_IF_ERROR(txn.Get(key).status());
  txn.Delete(key);
  ++stats.versions_dropped;
  if (rec.tag == keys::kBlockTag && !v.tombstone()) {
    NASD_ASSIGN_OR_RETURN(BlockRecord block, DecodeBlock(v.value));
    NASD_RETURN_IF_ERROR(AddChunkRef(txn, block.chunk_id, -1));
    ++stats.refs_released;
  }
  return Status::Ok();
}

}  // namespace

Result<PruneStats> PruneShare(kv::KvEngine& kv, uint64_t share_id, size_t batch_keys) {
  PruneStats total;
  PruneStats stats;  // of the batch's latest attempt
  Status st = WalkVersions(kv, share_id, batch_keys, [&](kv::Transaction& txn,
                                                         std::vector<VersionedRecord>& batch) {
    // Conflicts with snapshot creation (which rewrites the record).
    NASD_RETURN_IF_ERROR(txn.Get(keys::ShareFsKey(share_id)).status());
    NASD_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> snaps, ListSnapshots(txn, share_id));
    std::vector<uint64_t> epochs;
    for (const SnapshotInfo& s : snaps) epochs.push_back(s.epoch);
    stats = PruneStats{};
    for (const VersionedRecord& rec : batch) {
      const std::vector<StoredVersion>& v = rec.versions;
      size_t kept_older = 0;
      for (size_t i = 1; i < v.size(); ++i) {
        if (SeenBySnapshot(epochs, v[i].epoch, v[i - 1].epoch)) {
          ++kept_older;
        } else {
          NASD_RETURN_IF_ERROR(Drop(txn, rec, v[i], stats));
        }
      }
      if (kept_older == 0 && v.front().tombstone()) {
        NASD_RETURN_IF_ERROR(Drop(txn, rec, v.front(), stats));
      }
    }
    return Status::Ok();
  }, [&] {
    total.versions_dropped += stats.versions_dropped;
    total.refs_released += stats.refs_released;
  });
  if (!st.ok()) return st;
  return total;
}

Result<PruneStats> PruneIfPending(kv::KvEngine& kv, uint64_t share_id) {
  const std::string marker_key = keys::PrunePendingKey(share_id);
  NASD_ASSIGN_OR_RETURN(auto marker, kv.Get(marker_key));
  if (!marker) return PruneStats{};
  NASD_ASSIGN_OR_RETURN(PruneStats stats, PruneShare(kv, share_id));
  NASD_RETURN_IF_ERROR(kv::RunTransaction(kv, [&](kv::Transaction& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(auto now, txn.Get(marker_key));
    if (now == marker) txn.Delete(marker_key);
    return Status::Ok();
  }));
  return stats;
}

}  // namespace nasd::meta
