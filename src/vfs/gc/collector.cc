#include "vfs/gc/collector.h"

#include <cstring>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "kv/retry.h"
#include "meta/clock.h"
#include "meta/keys.h"
#include "meta/share_store.h"
#include "meta/snapshot_prune.h"
#include "meta/space_usage.h"

namespace nasd::vfs::gc {
namespace {

chunk::ChunkId IdOf(std::string_view raw) {
  std::array<uint8_t, chunk::ChunkId::kSize> bytes{};
  std::memcpy(bytes.data(), raw.data(), std::min(raw.size(), bytes.size()));
  return chunk::ChunkId(bytes);
}

std::string RawOf(const chunk::ChunkId& id) {
  return std::string(reinterpret_cast<const char*>(id.bytes().data()), id.bytes().size());
}

std::string Stamp(int64_t ns) {
  std::string v;
  meta::keys::AppendU64(v, static_cast<uint64_t>(ns));
  return v;
}

}  // namespace

std::string GcReport::ToJson() const {
  nlohmann::json held = nlohmann::json::array();
  for (const SnapshotHold& h : held_by_snapshots) {
    nlohmann::json snaps = nlohmann::json::array();
    for (const auto& [name, bytes] : h.exclusive) {
      snaps.push_back({{"name", name}, {"exclusive_bytes", bytes}});
    }
    held.push_back({{"share", h.share}, {"bytes", h.bytes}, {"snapshots", snaps}});
  }
  return nlohmann::json{{"dry_run", dry_run},
                        {"shares_pruned", shares_pruned},
                        {"versions_dropped", versions_dropped},
                        {"refs_released", refs_released},
                        {"orphans_found", orphans_found},
                        {"zero_ref_chunks", zero_ref_chunks},
                        {"in_grace", in_grace},
                        {"pinned", pinned},
                        {"raced", raced},
                        {"deleted", deleted},
                        {"delete_failed", delete_failed},
                        {"deleted_bytes", deleted_bytes},
                        {"in_grace_bytes", in_grace_bytes},
                        {"next_due_ns", next_due_ns},
                        {"last_due_ns", last_due_ns},
                        {"pinned_bytes", pinned_bytes},
                        {"buffered_bytes", buffered_bytes},
                        {"held_by_snapshots", held}}
      .dump();
}

Collector::Collector(kv::KvEngine& kv, chunk::ChunkStore& chunks, ChunkPins& pins,
                     CollectorOptions options)
    : kv_(kv), chunks_(chunks), pins_(pins), options_([&] {
        if (!options.clock) options.clock = meta::SystemNowNs;
        return options;
      }()) {}

Collector::~Collector() { Stop(); }

void Collector::Start(std::chrono::milliseconds interval) {
  periodic_.Start(interval, [this] {
    Result<GcReport> r = RunOnce();
    if (!r.ok()) {
      log::Warn("gc.pass_failed").Err(r.status());
    } else if (r->deleted > 0 || r->versions_dropped > 0) {
      log::Info("gc.pass")
          .Int("deleted", r->deleted)
          .Int("versions_dropped", r->versions_dropped)
          .Int("orphans_found", r->orphans_found);
    }
  });
}

void Collector::Stop() { periodic_.Stop(); }

Result<GcReport> Collector::RunOnce(bool dry_run) {
  std::lock_guard pass(pass_mu_);
  GcReport report;
  report.dry_run = dry_run;
  deleted_now_.clear();
  NASD_RETURN_IF_ERROR(Prune(report, dry_run));
  if (options_.sweep_orphans) NASD_RETURN_IF_ERROR(SweepOrphans(report, dry_run));
  NASD_RETURN_IF_ERROR(DeleteAged(report, dry_run));
  if (dry_run) NASD_RETURN_IF_ERROR(ExplainHolds(report));
  if (!dry_run) {
    std::lock_guard lock(totals_mu_);
    ++totals_.passes;
    totals_.chunks_deleted += report.deleted;
    totals_.versions_dropped += report.versions_dropped;
    totals_.orphans_found += report.orphans_found;
    totals_.pending_chunks = report.zero_ref_chunks - report.deleted;
    totals_.reclaimed_bytes += report.deleted_bytes;
    uint64_t pending = 0;
    for (const auto& [id, bytes] : sizes_) pending += bytes;
    totals_.pending_bytes = pending;
  }
  return report;
}

GcTotals Collector::Totals() {
  std::lock_guard lock(totals_mu_);
  return totals_;
}

Status Collector::Prune(GcReport& report, bool dry_run) {
  NASD_ASSIGN_OR_RETURN(std::vector<meta::ShareInfo> shares, meta::ShareStore(kv_).List());
  for (const meta::ShareInfo& share : shares) {
    NASD_ASSIGN_OR_RETURN(auto owed, kv_.Get(meta::keys::PrunePendingKey(share.id)));
    if (!owed) continue;
    ++report.shares_pruned;
    if (dry_run) continue;
    Result<meta::PruneStats> stats = meta::PruneIfPending(kv_, share.id);
    if (!stats.ok() && stats.status().code() == Code::kConflict) {
      // Busy share: the mark stays, and the next pass prunes it.
      log::Info("gc.prune_deferred").Int("share", share.id).Err(stats.status());
      continue;
    }
    NASD_RETURN_IF_ERROR(stats.status());
    report.versions_dropped += stats->versions_dropped;
    report.refs_released += stats->refs_released;
  }
  return Status::Ok();
}

Status Collector::SweepOrphans(GcReport& report, bool dry_run) {
  std::vector<std::string> ids;
  NASD_RETURN_IF_ERROR(chunks_.List([&](const chunk::ChunkId& id) {
    ids.push_back(RawOf(id));
    return true;
  }));
  for (const std::string& raw : ids) {
    if (pins_.Pinned(raw)) continue;
    bool orphan = false;
    // No fence needed: the stamp only starts the grace period, and a writer
    // referencing the chunk meanwhile conflicts on 'R' or removes the stamp.
    Status st = kv::RunTransaction(kv_, [&](kv::Transaction& txn) -> Status {
      NASD_ASSIGN_OR_RETURN(auto refs, txn.Get(meta::keys::ChunkRefKey(raw)));
      NASD_ASSIGN_OR_RETURN(auto zero, txn.Get(meta::keys::ZeroRefKey(raw)));
      orphan = !refs && !zero;
      if (orphan && !dry_run) txn.Put(meta::keys::ZeroRefKey(raw), Stamp(options_.clock()));
      return Status::Ok();
    });
    if (st.code() == Code::kConflict) continue;  // a writer is at it: not an orphan now
    NASD_RETURN_IF_ERROR(st);
    if (orphan) ++report.orphans_found;
  }
  return Status::Ok();
}

uint64_t Collector::BytesOf(const std::string& raw_id,
                           std::unordered_map<std::string, uint64_t>& seen) {
  uint64_t bytes = 0;
  if (auto known = sizes_.find(raw_id); known != sizes_.end()) {
    bytes = known->second;
  } else if (Result<uint64_t> n = chunks_.DataLength(IdOf(raw_id)); n.ok()) {
    bytes = *n;
  } else if (n.status().code() != Code::kNotFound) {
    log::Warn("gc.size_unknown").Str("chunk", IdOf(raw_id).ToHex()).Err(n.status());
  }
  seen[raw_id] = bytes;
  return bytes;
}

Status Collector::DeleteAged(GcReport& report, bool dry_run) {
  const int64_t now = options_.clock();
  std::unordered_map<std::string, uint64_t> seen;
  kv::Range range = kv::Range::Prefix(meta::keys::kZeroRefPrefix);
  for (;;) {
    std::vector<kv::KeyValue> batch;
    {
      std::unique_ptr<kv::Transaction> snap = kv_.Begin(kv::WriteOptions{.durable = false});
      NASD_ASSIGN_OR_RETURN(batch, snap->Scan(range, options_.batch));
    }
    std::vector<ZeroEntry> aged;
    for (const kv::KeyValue& kv : batch) {
      ++report.zero_ref_chunks;
      uint64_t since = 0;
      const std::string raw = kv.key.substr(meta::keys::kZeroRefPrefix.size());
      if (raw.size() != chunk::ChunkId::kSize || !meta::keys::ReadU64(kv.value, since)) {
        return Corruption("zero-reference record is malformed");
      }
      const uint64_t bytes = BytesOf(raw, seen);
      if (now - static_cast<int64_t>(since) < options_.grace.count()) {
        ++report.in_grace;
        report.in_grace_bytes += bytes;
        const int64_t due = static_cast<int64_t>(since) + options_.grace.count();
        if (report.next_due_ns == 0 || due < report.next_due_ns) report.next_due_ns = due;
        report.last_due_ns = std::max(report.last_due_ns, due);
      } else {
        aged.push_back(ZeroEntry{raw, kv.value, bytes});
      }
    }
    if (!aged.empty()) {
      std::unique_lock fence = pins_.Exclusive();
      std::vector<const ZeroEntry*> due;
      for (const ZeroEntry& z : aged) {
        if (pins_.Pinned(z.raw_id)) {
          ++report.pinned;
          report.pinned_bytes += z.bytes;
        } else if (dry_run) {
          ++report.deleted;
          report.deleted_bytes += z.bytes;
        } else {
          due.push_back(&z);
        }
      }
      NASD_RETURN_IF_ERROR(CollectBatch(due, report));
    }
    if (batch.size() < options_.batch) break;
    range.begin = batch.back().key;
    range.begin.push_back('\0');
  }
  if (!dry_run) {
    // Forget what was deleted; what is left is pending.
    for (const auto& [id, bytes] : deleted_now_) seen.erase(id);
  }
  sizes_ = std::move(seen);
  return Status::Ok();
}

Status Collector::CollectBatch(const std::vector<const ZeroEntry*>& due, GcReport& report) {
  if (due.empty()) return Status::Ok();
  // One transaction for the batch (one WAL sync); if anything in it was
  // touched meanwhile, fall back to one transaction a chunk.
  std::unique_ptr<kv::Transaction> txn = kv_.Begin();
  std::vector<const ZeroEntry*> doomed;
  uint64_t raced = 0;
  for (const ZeroEntry* z : due) {
    NASD_ASSIGN_OR_RETURN(auto refs, txn->Get(meta::keys::ChunkRefKey(z->raw_id)));
    NASD_ASSIGN_OR_RETURN(auto zero, txn->Get(meta::keys::ZeroRefKey(z->raw_id)));
    if (refs || zero != z->stamp) {
      ++raced;
      continue;
    }
    txn->Delete(meta::keys::ZeroRefKey(z->raw_id));
    doomed.push_back(z);
  }
  Status st = txn->Commit();
  if (st.code() == Code::kConflict) {
    for (const ZeroEntry* z : due) NASD_RETURN_IF_ERROR(Collect(*z, report));
    return Status::Ok();
  }
  NASD_RETURN_IF_ERROR(st);
  report.raced += raced;
  for (const ZeroEntry* z : doomed) DeleteObject(*z, report);
  return Status::Ok();
}

void Collector::DeleteObject(const ZeroEntry& z, GcReport& report) {
  // Off the 'Z' list either way (a failed delete leaves an orphan).
  deleted_now_.emplace(z.raw_id, z.bytes);
  Status st = chunks_.Delete(IdOf(z.raw_id));
  if (!st.ok()) {
    ++report.delete_failed;
    log::Warn("gc.delete_failed").Str("chunk", IdOf(z.raw_id).ToHex()).Err(st);
    return;
  }
  ++report.deleted;
  report.deleted_bytes += z.bytes;
}

Status Collector::Collect(const ZeroEntry& z, GcReport& report) {
  const std::string& raw_id = z.raw_id;
  const std::string& stamp = z.stamp;
  // One attempt: a conflict means a writer touched the chunk's records, and
  // the chunk is left for a later pass.
  std::unique_ptr<kv::Transaction> txn = kv_.Begin();
  NASD_ASSIGN_OR_RETURN(auto refs, txn->Get(meta::keys::ChunkRefKey(raw_id)));
  NASD_ASSIGN_OR_RETURN(auto zero, txn->Get(meta::keys::ZeroRefKey(raw_id)));
  if (refs || zero != stamp) {
    ++report.raced;
    return Status::Ok();
  }
  txn->Delete(meta::keys::ZeroRefKey(raw_id));
  Status st = txn->Commit();
  if (st.code() == Code::kConflict) {
    ++report.raced;
    return Status::Ok();
  }
  NASD_RETURN_IF_ERROR(st);
  DeleteObject(z, report);
  return Status::Ok();
}

Status Collector::ExplainHolds(GcReport& report) {
  if (options_.buffered_bytes) report.buffered_bytes = options_.buffered_bytes();
  NASD_ASSIGN_OR_RETURN(std::vector<meta::ShareInfo> shares, meta::ShareStore(kv_).List());
  for (const meta::ShareInfo& share : shares) {
    NASD_ASSIGN_OR_RETURN(meta::ShareSpace space, meta::MeasureShareSpace(kv_, share.id));
    if (space.snapshot_bytes == 0) continue;
    SnapshotHold hold{share.name, space.snapshot_bytes, {}};
    for (const meta::SnapshotSpace& s : space.snapshots) {
      if (s.exclusive_bytes > 0) hold.exclusive.emplace_back(s.info.name, s.exclusive_bytes);
    }
    report.held_by_snapshots.push_back(std::move(hold));
  }
  return Status::Ok();
}

}  // namespace nasd::vfs::gc
