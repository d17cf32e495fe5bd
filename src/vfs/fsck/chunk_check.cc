// The reference and chunk checks of fsck.h: every block-record version of
// every share and epoch, against the counts and the store.
#include <map>

#include <fmt/format.h>

#include "kv/retry.h"
#include "meta/keys.h"
#include "meta/records.h"
#include "vfs/data/file_data.h"
#include "vfs/fsck/fsck.h"

namespace nasd::vfs::fsck {
namespace {

// Visits every key under prefix, in batches.
Status ScanAll(kv::KvEngine& kv, const std::string& prefix,
               const std::function<Status(const kv::KeyValue&)>& fn) {
  kv::Range range = kv::Range::Prefix(prefix);
  constexpr size_t kBatch = 1024;
  for (;;) {
    std::unique_ptr<kv::Transaction> t = kv.Begin(kv::WriteOptions{.durable = false});
    NASD_ASSIGN_OR_RETURN(auto batch, t->Scan(range, kBatch));
    for (const kv::KeyValue& item : batch) NASD_RETURN_IF_ERROR(fn(item));
    if (batch.size() < kBatch) return Status::Ok();
    range.begin = batch.back().key;
    range.begin.push_back('\0');
  }
}

std::string Encode(uint64_t n) {
  std::string v;
  meta::keys::AppendU64(v, n);
  return v;
}

// One "damaged_file" problem per file block naming a damaged chunk (in any
// version), by the path the walks found the file at.
Status ListDamagedFiles(kv::KvEngine& kv, const std::vector<uint64_t>& shares,
                        const std::map<std::string, std::string>& damaged, FsckReport& report) {
  for (uint64_t share : shares) {
    const std::string prefix = meta::keys::TagPrefix(share, meta::keys::kBlockTag);
    std::string last_base;  // versions of one block come newest first
    NASD_RETURN_IF_ERROR(ScanAll(kv, prefix, [&](const kv::KeyValue& item) -> Status {
      std::string_view base;
      uint64_t epoch = 0;
      if (!meta::keys::SplitVersionedKey(item.key, base, epoch)) return Corruption("block key is malformed");
      const bool newest = base != last_base;
      last_base = base;
      if (item.value.size() == 1) return Status::Ok();  // tombstone
      NASD_ASSIGN_OR_RETURN(meta::BlockRecord rec, meta::DecodeBlock(item.value));
      auto it = damaged.find(rec.chunk_id);
      uint64_t ino = 0, block = 0;
      const std::string_view rest = base.substr(prefix.size());
      if (it == damaged.end() || !meta::keys::ReadU64(rest, ino) || !meta::keys::ReadU64(rest.substr(8), block)) {
        return Status::Ok();
      }
      auto path = report.paths.find({share, ino});
      report.problems.push_back(
          {"damaged_file",
           path != report.paths.end() ? path->second : fmt::format("share {} inode #{}", share, ino),
           fmt::format("block {}{}: chunk {} is {}", block,
                       newest ? "" : fmt::format(" as snapshots from epoch {} see it", epoch),
                       data::ToChunkId(rec.chunk_id).ToHex(), it->second)});
      return Status::Ok();
    }));
  }
  return Status::Ok();
}

}  // namespace

Status CheckChunks(kv::KvEngine& kv, chunk::ChunkStore& chunks, const std::vector<uint64_t>& shares,
                   const FsckOptions& options, FsckReport& report) {
  std::map<std::string, uint64_t> named;  // chunk -> block versions naming it
  for (uint64_t share : shares) {
    NASD_RETURN_IF_ERROR(ScanAll(kv, meta::keys::TagPrefix(share, meta::keys::kBlockTag),
                                 [&](const kv::KeyValue& item) -> Status {
                                   if (item.value.size() == 1) return Status::Ok();  // tombstone
                                   NASD_ASSIGN_OR_RETURN(meta::BlockRecord rec, meta::DecodeBlock(item.value));
                                   ++named[rec.chunk_id];
                                   return Status::Ok();
                                 }));
  }
  report.chunks = named.size();
  std::map<std::string, uint64_t> counted;  // chunk -> its 'R' value
  NASD_RETURN_IF_ERROR(ScanAll(kv, std::string(meta::keys::kChunkRefPrefix), [&](const kv::KeyValue& item) {
    uint64_t n = 0;
    if (!meta::keys::ReadU64(item.value, n)) return Corruption("chunk reference count is malformed");
    counted[item.key.substr(meta::keys::kChunkRefPrefix.size())] = n;
    return Status::Ok();
  }));
  std::map<std::string, std::string> damaged;  // chunk -> what is wrong with it
  std::map<std::string, uint64_t> wrong;  // chunk -> the right count
  for (const auto& [chunk, n] : named) {
    const std::string hex = data::ToChunkId(chunk).ToHex();
    auto it = counted.find(chunk);
    const uint64_t have = it == counted.end() ? 0 : it->second;
    if (have != n) {
      report.problems.push_back({"reference_count", hex, fmt::format("count {}, {} block versions name it", have, n)});
      wrong[chunk] = n;
    }
    NASD_ASSIGN_OR_RETURN(auto zero, kv.Get(meta::keys::ZeroRefKey(chunk)));
    if (zero) {
      report.problems.push_back({"zero_list", hex, "on the collector's list while referenced"});
      wrong[chunk] = n;
    }
    if (options.verify_data) {
      Result<SharedBytes> bytes = chunks.GetShared(data::ToChunkId(chunk));
      if (!bytes.ok()) {
        const bool missing = bytes.status().code() == Code::kNotFound;
        report.problems.push_back({missing ? "missing_chunk" : "bad_chunk", hex, bytes.status().ToString()});
        damaged[chunk] = missing ? "missing" : "damaged";
      } else if (chunk::ChunkId::Of(bytes->bytes) != data::ToChunkId(chunk)) {
        report.problems.push_back({"bad_chunk", hex, "its bytes do not hash to its name"});
        damaged[chunk] = "damaged";
      }
    } else {
      NASD_ASSIGN_OR_RETURN(bool has, chunks.Has(data::ToChunkId(chunk)));
      if (!has) {
        report.problems.push_back({"missing_chunk", hex, "referenced but not stored"});
        damaged[chunk] = "missing";
      }
    }
  }
  for (const auto& [chunk, n] : counted) {
    if (named.contains(chunk)) continue;
    report.problems.push_back({"reference_count", data::ToChunkId(chunk).ToHex(),
                               fmt::format("count {}, no block version names it", n)});
    wrong[chunk] = 0;
  }
  if (!damaged.empty()) NASD_RETURN_IF_ERROR(ListDamagedFiles(kv, shares, damaged, report));
  if (!options.repair_counts) return Status::Ok();
  for (const auto& [chunk, n] : wrong) {
    NASD_RETURN_IF_ERROR(kv::RunTransaction(kv, [&](kv::Transaction& txn) -> Status {
      if (n == 0) {
        txn.Delete(meta::keys::ChunkRefKey(chunk));
        txn.Put(meta::keys::ZeroRefKey(chunk), Encode(static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch()).count())));
      } else {
        txn.Put(meta::keys::ChunkRefKey(chunk), Encode(n));
        txn.Delete(meta::keys::ZeroRefKey(chunk));
      }
      return Status::Ok();
    }));
    ++report.repaired;
  }
  return Status::Ok();
}

}  // namespace nasd::vfs::fsck
