// Pruning: after a snapshot is deleted, the versions that only it could see
// are dropped and the chunk references of dropped block records given back
// (a count reaching zero puts the chunk on the collector's list, 'Z').
//
// A version is needed while some view can see it: the live view sees the
// newest version of every record; a snapshot at epoch s sees version v
// (written at epoch e) when e <= s < the epoch of the next newer version. A
// newest version that is a tombstone is needed only while older ones remain.
// Everything else is dropped. Each batch re-reads the share's filesystem
// record, so a snapshot taken meanwhile conflicts with the batch, which then
// reruns and sees it; a snapshot deleted meanwhile only makes the pass keep
// more than it could (the next pass drops it).
//
// A pass walks the whole share (O(records)); it runs in the background
// (vfs/gc/collector.h) for every share marked with keys::PrunePendingKey.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "kv/kv_engine.h"

namespace nasd::meta {

struct PruneStats {
  uint64_t versions_dropped = 0;
  uint64_t refs_released = 0;  // block-record versions dropped
};

// One full pass over the share.
Result<PruneStats> PruneShare(kv::KvEngine& kv, uint64_t share_id, size_t batch_keys = 512);
// A full pass if the share owes one; clears the mark afterwards unless a
// snapshot was deleted during the pass (which then needs another).
Result<PruneStats> PruneIfPending(kv::KvEngine& kv, uint64_t share_id);

}  // namespace nasd::meta
