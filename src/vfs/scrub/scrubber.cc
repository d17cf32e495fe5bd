#include "vfs/scrub/scrubber.h"

#include <thread>

#include <fmt/format.h>

#include "common/logging.h"
#include "meta/keys.h"
#include "meta/records.h"
#include "meta/share_store.h"

namespace nasd::vfs::scrub {
namespace {

std::string Raw(const chunk::ChunkId& id) {
  return std::string(reinterpret_cast<const char*>(id.bytes().data()), id.bytes().size());
}

}  // namespace

Scrubber::Scrubber(kv::KvEngine& kv, chunk::ChunkStore& chunks, ScrubOptions options)
    : kv_(kv), chunks_(chunks), options_([&] {
        if (!options.sleep) options.sleep = [](std::chrono::nanoseconds d) { std::this_thread::sleep_for(d); };
        return options;
      }()) {}

Result<std::vector<ChunkUse>> Scrubber::FindUses(kv::KvEngine& kv, std::string_view chunk_id) {
  std::vector<ChunkUse> uses;
  NASD_ASSIGN_OR_RETURN(std::vector<meta::ShareInfo> shares, meta::ShareStore(kv).List());
  for (const meta::ShareInfo& share : shares) {
    const std::string prefix = meta::keys::TagPrefix(share.id, meta::keys::kBlockTag);
    std::unique_ptr<kv::Transaction> t = kv.Begin(kv::WriteOptions{.durable = false});
    NASD_ASSIGN_OR_RETURN(auto all, t->Scan(kv::Range::Prefix(prefix)));
    for (const kv::KeyValue& item : all) {
      if (item.value.size() == 1) continue;  // tombstone
      Result<meta::BlockRecord> rec = meta::DecodeBlock(item.value);
      if (!rec.ok() || rec->chunk_id != chunk_id) continue;
      std::string_view base;
      ChunkUse use{share.id, 0, 0, 0};
      if (!meta::keys::SplitVersionedKey(item.key, base, use.epoch) || base.size() != prefix.size() + 16) continue;
      meta::keys::ReadU64(base.substr(prefix.size()), use.ino);
      meta::keys::ReadU64(base.substr(prefix.size() + 8), use.block);
      uses.push_back(use);
    }
  }
  return uses;
}

Result<ScrubReport> Scrubber::RunOnce() {
  std::vector<chunk::ChunkId> ids;
  NASD_RETURN_IF_ERROR(chunks_.List([&](const chunk::ChunkId& id) {
    ids.push_back(id);
    return true;
  }));
  ScrubReport report;
  for (const chunk::ChunkId& id : ids) {
    if (stopping_) return Status(Code::kCancelled, "the scrubber is stopping");
    const auto started = std::chrono::steady_clock::now();
    Result<SharedBytes> bytes = chunks_.GetShared(id);
    if (!bytes.ok() && bytes.status().code() == Code::kNotFound) continue;  // collected meanwhile
    const bool damaged = !bytes.ok() ? bytes.status().code() == Code::kCorruption
                                     : chunk::ChunkId::Of(bytes->bytes) != id;
    if (!bytes.ok() && !damaged) return bytes.status();
    ++report.chunks;
    if (bytes.ok()) report.bytes += bytes->size();
    if (damaged) {
      report.damaged.push_back(id.ToHex());
      Result<std::vector<ChunkUse>> uses = FindUses(kv_, Raw(id));
      std::string where;
      if (uses.ok()) {
        for (const ChunkUse& u : *uses) {
          where += fmt::format("{}share {} inode {} block {} epoch {}", where.empty() ? "" : "; ",
                               u.share_id, u.ino, u.block, u.epoch);
        }
      }
      log::Error("scrub.corrupt_chunk").Str("chunk", id.ToHex()).Str("used_by", where.empty() ? "nothing" : where);
    }
    if (bytes.ok() && options_.bytes_per_sec > 0) {
      const auto budget = std::chrono::nanoseconds(bytes->size() * 1'000'000'000ULL / options_.bytes_per_sec);
      const auto spent = std::chrono::steady_clock::now() - started;
      if (spent < budget) options_.sleep(budget - spent);
    }
  }
  std::lock_guard lock(mu_);
  totals_.chunks_verified += report.chunks;
  totals_.corruptions += report.damaged.size();
  return report;
}

void Scrubber::Start(std::chrono::milliseconds interval) {
  periodic_.Start(interval, [this] {
    Result<ScrubReport> r = RunOnce();
    if (!r.ok() && r.status().code() != Code::kCancelled) log::Warn("scrub.pass_failed").Err(r.status());
  });
}

void Scrubber::Stop() {
  stopping_ = true;
  periodic_.Stop();
}

ScrubTotals Scrubber::Totals() {
  std::lock_guard lock(mu_);
  return totals_;
}

}  // namespace nasd::vfs::scrub
