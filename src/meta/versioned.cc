#include "meta/versioned.h"

#include <algorithm>

#include "meta/keys.h"
#include "meta/records.h"

namespace nasd::meta {
namespace {

// A scan reads in batches that start small and double: most scans stop after
// a few records (a read's block map, a page of a directory), and a batch
// copies every record it holds.
constexpr size_t kFirstScanBatch = 8;
constexpr size_t kMaxScanBatch = 256;

bool IsTombstone(std::string_view v) {
  return v.size() == 1 && static_cast<uint8_t>(v[0]) == kTombstone;
}

// The smallest key greater than every key starting with prefix ("" if none).
std::string PrefixEnd(std::string_view prefix) { return kv::Range::Prefix(prefix).end; }

Result<std::optional<std::string>> Read(kv::Transaction& txn, std::string_view base,
                                        uint64_t epoch, uint64_t* found_epoch, bool tracked) {
  const std::string key = keys::VersionedKey(base, epoch);
  NASD_ASSIGN_OR_RETURN(std::optional<std::string> exact,
                        tracked ? txn.Get(key) : txn.GetUntracked(key));
  if (exact) {
    if (IsTombstone(*exact)) return std::optional<std::string>();
    if (found_epoch) *found_epoch = epoch;
    return exact;
  }
  // Versions are written at keys::kFirstEpoch or later: a share that never
  // had a snapshot has no older version to look for (and no iterator to pay).
  if (epoch <= keys::kFirstEpoch) return std::optional<std::string>();
  kv::Range older{keys::VersionedKey(base, epoch - 1), PrefixEnd(base)};
  NASD_ASSIGN_OR_RETURN(auto found, txn.Scan(older, 1));
  if (found.empty() || found[0].key.size() != base.size() + keys::kVersionSuffixSize ||
      IsTombstone(found[0].value)) {
    return std::optional<std::string>();
  }
  if (found_epoch) {
    std::string_view unused;
    keys::SplitVersionedKey(found[0].key, unused, *found_epoch);
  }
  return std::optional<std::string>(std::move(found[0].value));
}

}  // namespace

Result<std::optional<std::string>> ReadVersioned(kv::Transaction& txn, std::string_view base,
                                                 uint64_t epoch, uint64_t* found_epoch) {
  return Read(txn, base, epoch, found_epoch, /*tracked=*/true);
}

Result<std::optional<std::string>> ReadVersionedUntracked(kv::Transaction& txn,
                                                          std::string_view base, uint64_t epoch) {
  return Read(txn, base, epoch, nullptr, /*tracked=*/false);
}

void WriteVersioned(kv::Transaction& txn, std::string_view base, uint64_t epoch,
                    std::string_view value) {
  txn.Put(keys::VersionedKey(base, epoch), value);
}

Status EraseVersioned(kv::Transaction& txn, std::string_view base, uint64_t epoch) {
  std::string key = keys::VersionedKey(base, epoch);
  bool older_exist = false;
  if (epoch > keys::kFirstEpoch) {
    kv::Range older{keys::VersionedKey(base, epoch - 1), PrefixEnd(base)};
    NASD_ASSIGN_OR_RETURN(auto found, txn.Scan(older, 1));
    older_exist = !found.empty() && found[0].key.size() == key.size();
  }
  if (older_exist) {
    txn.Put(key, std::string(1, static_cast<char>(kTombstone)));
  } else {
    txn.Delete(key);
  }
  return Status::Ok();
}

Status ScanVersioned(kv::Transaction& txn, std::string_view prefix, std::string_view start,
                     uint64_t epoch, const VersionVisitor& fn) {
  kv::Range range{std::string(start.empty() ? prefix : start), PrefixEnd(prefix)};
  std::string resolved;  // base key whose visible version was already decided
  bool have_resolved = false;
  for (size_t batch_size = kFirstScanBatch;; batch_size = std::min(2 * batch_size, kMaxScanBatch)) {
    NASD_ASSIGN_OR_RETURN(auto batch, txn.Scan(range, batch_size));
    for (const kv::KeyValue& kv : batch) {
      std::string_view base;
      uint64_t version = 0;
      if (!keys::SplitVersionedKey(kv.key, base, version) || base.size() < prefix.size()) {
        return Corruption("versioned key is too short");
      }
      if (have_resolved && base == resolved) continue;
      if (version > epoch) continue;  // newer than the view
      resolved.assign(base);
      have_resolved = true;
      if (IsTombstone(kv.value)) continue;
      if (!fn(base, kv.value)) return Status::Ok();
    }
    if (batch.size() < batch_size) return Status::Ok();
    range.begin = batch.back().key;
    range.begin.push_back('\0');
  }
}

}  // namespace nasd::meta
