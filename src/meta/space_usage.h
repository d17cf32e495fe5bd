// Space accounting of one share: what its live view holds, and what its
// snapshots alone hold (what deleting them would free).
//
// Bytes are data bytes: each distinct chunk counts once, with the largest
// length any of its block records names (a chunk whose every record was
// truncated counts the truncated length), plus inline data ('N' records).
// Chunk framing and metadata records are not counted.
//
// A chunk is "held only by" a set of views when every reference to it
// (keys::ChunkRefKey, all shares and epochs) comes from block versions that
// only those views see, or that no view sees any more (versions a pending
// pruning pass will drop). So deduplication within and across shares is
// exact: a chunk that another file, share or snapshot still names is never
// counted as freeable.
//
// Cost: computed on demand, never stored. One read-only KV transaction (a
// consistent snapshot) scans every version of the share's 'B' and 'N'
// records, and Gets the reference count of each distinct chunk that the live
// view does not name: O(block and inline versions) time and O(distinct
// chunks) memory (about 100 bytes a chunk: 250 000 for a 1 TiB share of
// 4 MiB blocks). Nothing is written, so it never conflicts with writers.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "kv/kv_engine.h"
#include "meta/snapshot_record.h"

namespace nasd::meta {

struct SnapshotSpace {
  SnapshotInfo info;
  // Freed if this snapshot alone were deleted (and pruned and collected).
  uint64_t exclusive_bytes = 0;
};

struct ShareSpace {
  uint64_t live_bytes = 0;  // data the live view reads
  // Freed if every snapshot were deleted: data no live file names.
  uint64_t snapshot_bytes = 0;
  std::vector<SnapshotSpace> snapshots;  // oldest first
};

// A share whose filesystem was never formatted holds nothing.
Result<ShareSpace> MeasureShareSpace(kv::KvEngine& kv, uint64_t share_id);

}  // namespace nasd::meta
