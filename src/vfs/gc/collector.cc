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
                        {"delete_failed", delete_failed}}
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
  NASD_RETURN_IF_ERROR(Prune(report, dry_run));
  if (options_.sweep_orphans) NASD_RETURN_IF_ERROR(SweepOrphans(report, dry_run));
  NASD_RETURN_IF_ERROR(DeleteAged(report, dry_run));
  if (!dry_run) {
    std::lock_guard lock(totals_mu_);
    ++totals_.passes;
    totals_.chunks_deleted += report.deleted;
    totals_.versions_dropped += report.versions_dropped;
    totals_.orphans_found += report.orphans_found;
    totals_.pending_chunks = report.zero_ref_chunks - report.deleted;
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

Status Collector::DeleteAged(GcReport& report, bool dry_run) {
  const int64_t now = options_.clock();
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
      if (now - static_cast<int64_t>(since) < options_.grace.count()) {
        ++report.in_grace;
      } else {
        aged.push_back(ZeroEntry{raw, kv.value});
      }
    }
    if (!aged.empty()) {
      std::unique_lock fence = pins_.Exclusive();
      std::vector<const ZeroEntry*> due;
      for (const ZeroEntry& z : aged) {
        if (pins_.Pinned(z.raw_id)) {
          ++report.pinned;
        } else if (dry_run) {
          ++report.deleted;
        } else {
          due.push_back(&z);
        }
      }
      NASD_RETURN_IF_ERROR(CollectBatch(due, report));
    }
    if (batch.size() < options_.batch) return Status::Ok();
    range.begin = batch.back().key;
    range.begin.push_back('\0');
  }
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
    for (const ZeroEntry* z : due) NASD_RETURN_IF_ERROR(Collect(z->raw_id, z->stamp, report));
    return Status::Ok();
  }
  NASD_RETURN_IF_ERROR(st);
  report.raced += raced;
  for (const ZeroEntry* z : doomed) DeleteObject(z->raw_id, report);
  return Status::Ok();
}

void Collector::DeleteObject(const std::string& raw_id, GcReport& report) {
  Status st = chunks_.Delete(IdOf(raw_id));
  if (!st.ok()) {
    ++report.delete_failed;
    log::Warn("gc.delete_failed").Str("chunk", IdOf(raw_id).ToHex()).Err(st);
    return;
  }
  ++report.deleted;
}

Status Collector::Collect(const std::string& raw_id, const std::string& stamp, GcReport& report) {
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
  DeleteObject(raw_id, report);
  return Status::Ok();
}

}  // namespace nasd::vfs::gc
