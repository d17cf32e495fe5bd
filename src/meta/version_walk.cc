#include "meta/version_walk.h"

#include <optional>

#include "kv/retry.h"
#include "meta/keys.h"

namespace nasd::meta {
namespace {

// Batches read the share's filesystem record, so every snapshot taken
// meanwhile conflicts with them: many short, jittered retries.
const kv::RetryPolicy kBatchRetry{.max_attempts = 200,
                                  .initial_backoff = std::chrono::microseconds(50),
                                  .max_backoff = std::chrono::microseconds(5000)};

// Groups scanned keys into records. When the scan was cut off (full), the
// last record may be incomplete and is left for the next batch; returns the
// key the next batch starts at ("" when the range is done), or nullopt when
// one record filled the whole batch (the caller rescans with a larger one).
Result<std::optional<std::string>> Group(const std::vector<kv::KeyValue>& scanned, bool full, size_t tag_pos,
                          std::vector<VersionedRecord>& out) {
  out.clear();
  for (const kv::KeyValue& kv : scanned) {
    std::string_view base;
    uint64_t epoch = 0;
    if (!keys::SplitVersionedKey(kv.key, base, epoch) || base.size() <= tag_pos) {
      return Corruption("versioned key is too short");
    }
    if (out.empty() || out.back().base != base) {
      out.push_back(VersionedRecord{std::string(base), base[tag_pos], {}});
    }
    out.back().versions.push_back(StoredVersion{epoch, kv.value});
  }
  if (!full) return std::optional<std::string>(std::string());
  if (out.size() < 2) return std::optional<std::string>();
  std::string next = out.back().base;
  out.pop_back();
  return std::optional<std::string>(std::move(next));
}

}  // namespace

Status WalkVersions(kv::KvEngine& kv, uint64_t share_id, size_t batch_keys,
                    const VersionBatchFn& fn, const std::function<void()>& committed) {
  const size_t tag_pos = keys::ShareDataPrefix(share_id).size();
  for (char tag : keys::kVersionedTags) {
    const kv::Range all = kv::Range::Prefix(keys::TagPrefix(share_id, tag));
    std::string cursor = all.begin;
    size_t limit = batch_keys;
    while (!cursor.empty()) {
      std::string next;
      bool grow = false;
      NASD_RETURN_IF_ERROR(kv::RunTransaction(kv, [&](kv::Transaction& txn) -> Status {
        NASD_ASSIGN_OR_RETURN(auto scanned, txn.Scan(kv::Range{cursor, all.end}, limit));
        std::vector<VersionedRecord> batch;
        NASD_ASSIGN_OR_RETURN(auto cut, Group(scanned, scanned.size() == limit, tag_pos, batch));
        grow = !cut.has_value();
        if (grow) return Status::Ok();
        next = std::move(*cut);
        return fn(txn, batch);
      }, {}, kBatchRetry));
      if (grow) {
        limit *= 2;
        continue;
      }
      if (committed) committed();
      cursor = std::move(next);
      limit = batch_keys;
    }
  }
  return Status::Ok();
}

}  // namespace nasd::meta
