// Formatting a share's filesystem: the share's filesystem record (live epoch
// keys::kFirstEpoch) and its root directory (inode kRootInode, mode 0755,
// owned by root), written together in one transaction.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "kv/kv_engine.h"
#include "meta/records.h"

namespace nasd::meta {

// Returns the share's filesystem record, creating it and the root directory
// first if the share has none. Idempotent and safe against concurrent callers.
Result<ShareFsRecord> EnsureShareFs(kv::KvEngine& kv, uint64_t share_id, int64_t now_ns);

}  // namespace nasd::meta
