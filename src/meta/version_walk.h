// Walking every version of every versioned record of one share, in batches
// (what pruning and restore do). Each batch is one KV transaction, retried on
// conflict, that sees whole bases: all versions of a record are in the same
// batch, newest first.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "kv/kv_engine.h"

namespace nasd::meta {

struct StoredVersion {
  uint64_t epoch = 0;
  std::string value;  // the one byte 00 for a tombstone
  bool tombstone() const { return value.size() == 1 && value[0] == '\0'; }
};

struct VersionedRecord {
  std::string base;                     // key without the version suffix
  char tag = 0;                         // keys::k...Tag of the record
  std::vector<StoredVersion> versions;  // newest first
};

// fn sees one batch of about batch_keys keys inside the batch's transaction;
// it may read and write through txn. Its non-ok status stops the walk. It
// reruns when the transaction conflicts; committed (if given) runs once after
// each batch committed.
using VersionBatchFn =
    std::function<Status(kv::Transaction& txn, std::vector<VersionedRecord>& batch)>;
Status WalkVersions(kv::KvEngine& kv, uint64_t share_id, size_t batch_keys,
                    const VersionBatchFn& fn, const std::function<void()>& committed = {});

}  // namespace nasd::meta
