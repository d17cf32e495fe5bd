#include "meta/space_usage.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>

#include "meta/chunk_refs.h"
#include "meta/keys.h"
#include "meta/records.h"
#include "meta/snapshot_store.h"

namespace nasd::meta {
namespace {

constexpr size_t kPage = 4096;

// What the share's block versions say about one chunk.
struct ChunkUse {
  uint64_t length = 0;  // the largest length a record names
  bool live = false;    // the live view names it
  uint64_t snapshot_refs = 0;  // versions only snapshots see
  uint64_t unseen_refs = 0;    // versions no view sees (pruning will drop them)
  // Versions exactly one snapshot sees: (index in the snapshot list, count).
  std::vector<std::pair<size_t, uint64_t>> exclusive;
};

class Measure {
 public:
  explicit Measure(std::vector<SnapshotInfo> snaps) {
    for (const SnapshotInfo& s : snaps) epochs_.push_back(s.epoch);
    for (SnapshotInfo& s : snaps) out_.snapshots.push_back(SnapshotSpace{std::move(s), 0});
  }

  // Every version of one record, newest first.
  Status Record(char tag, const std::vector<std::pair<uint64_t, std::string>>& versions) {
    for (size_t i = 0; i < versions.size(); ++i) {
      const std::string& value = versions[i].second;
      if (value.size() == 1 && value[0] == static_cast<char>(kTombstone)) continue;
      // Snapshots that see version i: epochs in [its epoch, the next newer one's).
      auto first = std::lower_bound(epochs_.begin(), epochs_.end(), versions[i].first);
      auto last = i == 0 ? epochs_.end()
                         : std::lower_bound(first, epochs_.end(), versions[i - 1].first);
      const bool live = i == 0;
      const size_t seen_by = static_cast<size_t>(last - first);
      const size_t only = seen_by == 1 && !live ? static_cast<size_t>(first - epochs_.begin())
                                                : out_.snapshots.size();
      if (tag == keys::kInlineDataTag) {
        NASD_ASSIGN_OR_RETURN(std::string bytes, DecodeBlob(value));
        if (live) {
          out_.live_bytes += bytes.size();
        } else if (seen_by > 0) {
          out_.snapshot_bytes += bytes.size();
          if (only < out_.snapshots.size()) out_.snapshots[only].exclusive_bytes += bytes.size();
        }
        continue;
      }
      NASD_ASSIGN_OR_RETURN(BlockRecord block, DecodeBlock(value));
      ChunkUse& use = chunks_[block.chunk_id];
      use.length = std::max<uint64_t>(use.length, block.length);
      if (live) {
        use.live = true;
      } else if (seen_by == 0) {
        ++use.unseen_refs;
      } else {
        ++use.snapshot_refs;
        if (only < out_.snapshots.size()) AddExclusive(use, only);
      }
    }
    return Status::Ok();
  }

  // Attributes each chunk once all records were seen.
  Result<ShareSpace> Finish(kv::Transaction& txn) {
    for (const auto& [id, use] : chunks_) {
      if (use.live) {
        out_.live_bytes += use.length;
        continue;
      }
      if (use.snapshot_refs == 0) continue;  // already on its way out
      NASD_ASSIGN_OR_RETURN(uint64_t refs, ChunkRefCount(txn, id));
      if (use.snapshot_refs + use.unseen_refs != refs) continue;  // named elsewhere too
      out_.snapshot_bytes += use.length;
      for (const auto& [index, count] : use.exclusive) {
        if (count + use.unseen_refs == refs) out_.snapshots[index].exclusive_bytes += use.length;
      }
    }
    return std::move(out_);
  }

 private:
  static void AddExclusive(ChunkUse& use, size_t index) {
    for (auto& [i, count] : use.exclusive) {
      if (i == index) {
        ++count;
        return;
      }
    }
    use.exclusive.emplace_back(index, 1);
  }

  std::vector<uint64_t> epochs_;  // ascending, as ListSnapshots returns them
  std::unordered_map<std::string, ChunkUse> chunks_;
  ShareSpace out_;
};

// Feeds every record of one tag to m, in pages, grouping versions by base.
Status ScanTag(kv::Transaction& txn, uint64_t share_id, char tag, Measure& m) {
  const kv::Range all = kv::Range::Prefix(keys::TagPrefix(share_id, tag));
  kv::Range page = all;
  std::string base;
  std::vector<std::pair<uint64_t, std::string>> versions;
  for (;;) {
    NASD_ASSIGN_OR_RETURN(std::vector<kv::KeyValue> kvs, txn.Scan(page, kPage));
    for (kv::KeyValue& kv : kvs) {
      std::string_view b;
      uint64_t epoch = 0;
      if (!keys::SplitVersionedKey(kv.key, b, epoch)) return Corruption("versioned key is too short");
      if (b != base) {
        if (!versions.empty()) NASD_RETURN_IF_ERROR(m.Record(tag, versions));
        versions.clear();
        base = b;
      }
      versions.emplace_back(epoch, std::move(kv.value));
    }
    if (kvs.size() < kPage) break;
    page.begin = kvs.back().key;
    page.begin.push_back('\0');
  }
  if (!versions.empty()) NASD_RETURN_IF_ERROR(m.Record(tag, versions));
  return Status::Ok();
}

}  // namespace

Result<ShareSpace> MeasureShareSpace(kv::KvEngine& kv, uint64_t share_id) {
  // Read-only: one consistent snapshot of the whole share, never committed.
  std::unique_ptr<kv::Transaction> txn = kv.Begin(kv::WriteOptions{.durable = false});
  NASD_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> snaps, ListSnapshots(*txn, share_id));
  Measure m(std::move(snaps));
  NASD_RETURN_IF_ERROR(ScanTag(*txn, share_id, keys::kBlockTag, m));
  NASD_RETURN_IF_ERROR(ScanTag(*txn, share_id, keys::kInlineDataTag, m));
  return m.Finish(*txn);
}

}  // namespace nasd::meta
