#include "meta/snapshot_store.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "kv/retry.h"
#include "meta/clock.h"
#include "meta/keys.h"
#include "meta/records.h"
#include "meta/share_fs.h"

namespace nasd::meta {

Result<std::vector<SnapshotInfo>> ListSnapshots(kv::Transaction& txn, uint64_t share_id) {
  const std::string prefix = keys::SnapshotPrefix(share_id);
  NASD_ASSIGN_OR_RETURN(auto found, txn.Scan(kv::Range::Prefix(prefix), 0));
  std::vector<SnapshotInfo> out;
  out.reserve(found.size());
  for (const kv::KeyValue& kv : found) {
    NASD_ASSIGN_OR_RETURN(SnapshotInfo s,
                          DecodeSnapshot(std::string_view(kv.key).substr(prefix.size()), kv.value));
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(),
            [](const SnapshotInfo& a, const SnapshotInfo& b) { return a.epoch < b.epoch; });
  return out;
}

Result<std::optional<SnapshotInfo>> GetSnapshot(kv::Transaction& txn, uint64_t share_id,
                                                std::string_view name) {
  NASD_ASSIGN_OR_RETURN(auto raw, txn.Get(keys::SnapshotKey(share_id, name)));
  if (!raw) return std::optional<SnapshotInfo>();
  NASD_ASSIGN_OR_RETURN(SnapshotInfo s, DecodeSnapshot(name, *raw));
  return std::optional<SnapshotInfo>(std::move(s));
}

SnapshotStore::SnapshotStore(kv::KvEngine& kv, uint64_t share_id, std::function<int64_t()> clock)
    : kv_(kv), share_id_(share_id), clock_(clock ? std::move(clock) : SystemNowNs) {}

Result<SnapshotInfo> SnapshotStore::Create(std::string_view name) {
  NASD_RETURN_IF_ERROR(ValidateSnapshotName(name));
  const int64_t now = clock_();
  NASD_RETURN_IF_ERROR(EnsureShareFs(kv_, share_id_, now).status());
  SnapshotInfo made;
  NASD_RETURN_IF_ERROR(kv::RunTransaction(kv_, [&](kv::Transaction& txn) -> Status {
    const std::string fs_key = keys::ShareFsKey(share_id_);
    NASD_ASSIGN_OR_RETURN(auto raw, txn.Get(fs_key));
    if (!raw) return NotFound(fmt::format("share {} has no filesystem", share_id_));
    NASD_ASSIGN_OR_RETURN(ShareFsRecord fs, DecodeShareFs(*raw));
    NASD_ASSIGN_OR_RETURN(auto existing, GetSnapshot(txn, share_id_, name));
    if (existing) return AlreadyExists(fmt::format("snapshot '{}' already exists", name));
    if (fs.epoch > kMaxSnapshotEpoch) {
      return Status(Code::kFailedPrecondition,
                    fmt::format("share {} has used all {} snapshot epochs", share_id_, kMaxSnapshotEpoch));
    }
    made = SnapshotInfo{std::string(name), fs.epoch, now};
    txn.Put(keys::SnapshotKey(share_id_, name), EncodeSnapshot(made));
    fs.epoch += 1;
    txn.Put(fs_key, EncodeShareFs(fs));
    return Status::Ok();
  }));
  return made;
}

Result<std::vector<SnapshotInfo>> SnapshotStore::List() {
  std::unique_ptr<kv::Transaction> txn = kv_.Begin(kv::WriteOptions{.durable = false});
  return ListSnapshots(*txn, share_id_);
}

Result<SnapshotInfo> SnapshotStore::Get(std::string_view name) {
  std::unique_ptr<kv::Transaction> txn = kv_.Begin(kv::WriteOptions{.durable = false});
  NASD_ASSIGN_OR_RETURN(auto s, GetSnapshot(*txn, share_id_, name));
  if (!s) return NotFound(fmt::format("no snapshot '{}'", name));
  return std::move(*s);
}

Result<std::optional<SnapshotInfo>> SnapshotStore::FindByEpoch(uint64_t epoch) {
  NASD_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> all, List());
  for (SnapshotInfo& s : all) {
    if (s.epoch == epoch) return std::optional<SnapshotInfo>(std::move(s));
  }
  return std::optional<SnapshotInfo>();
}

Status SnapshotStore::Delete(std::string_view name) {
  return kv::RunTransaction(kv_, [&](kv::Transaction& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(auto s, GetSnapshot(txn, share_id_, name));
    if (!s) return NotFound(fmt::format("no snapshot '{}'", name));
    txn.Delete(keys::SnapshotKey(share_id_, name));
    std::string marker;
    keys::AppendU64(marker, s->epoch);
    txn.Put(keys::PrunePendingKey(share_id_), marker);
    return Status::Ok();
  });
}

}  // namespace nasd::meta
