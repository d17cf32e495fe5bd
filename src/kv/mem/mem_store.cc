#include "kv/mem/mem_store.h"

namespace nasd::kv {
namespace {

Status ClosedStatus() { return Unavailable("kv engine is closed"); }

}  // namespace

const MemStore::Version* MemStore::VisibleAt(const Versions& versions, Seq snap) {
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if (it->seq <= snap) return &*it;
  }
  return nullptr;
}

Result<MemStore::Seq> MemStore::AcquireSnapshot() {
  std::lock_guard lock(mu_);
  if (closed_) return ClosedStatus();
  live_snapshots_.insert(last_seq_);
  return last_seq_;
}

void MemStore::ReleaseSnapshot(Seq snap) {
  std::lock_guard lock(mu_);
  auto it = live_snapshots_.find(snap);
  if (it != live_snapshots_.end()) live_snapshots_.erase(it);
}

Result<std::optional<std::string>> MemStore::Get(std::string_view key, Seq snap) const {
  std::lock_guard lock(mu_);
  if (closed_) return ClosedStatus();
  auto it = data_.find(key);
  if (it == data_.end()) return std::optional<std::string>();
  const Version* version = VisibleAt(it->second, snap);
  if (version == nullptr) return std::optional<std::string>();
  return version->value;
}

Result<std::optional<KeyValue>> MemStore::Seek(std::string_view from, bool inclusive,
                                               std::string_view end, Seq snap) const {
  std::lock_guard lock(mu_);
  if (closed_) return ClosedStatus();
  auto it = inclusive ? data_.lower_bound(from) : data_.upper_bound(from);
  for (; it != data_.end(); ++it) {
    if (!end.empty() && it->first >= end) break;
    const Version* version = VisibleAt(it->second, snap);
    if (version != nullptr && version->value.has_value()) {
      return std::optional<KeyValue>(KeyValue{it->first, *version->value});
    }
  }
  return std::optional<KeyValue>();
}

Status MemStore::Commit(const std::set<std::string, std::less<>>& read_keys, Seq snap,
                        const std::vector<Mutation>& mutations) {
  std::lock_guard lock(mu_);
  if (closed_) return ClosedStatus();
  for (const std::string& key : read_keys) {
    auto it = data_.find(key);
    // An erased key has no version newer than any live snapshot (PruneLocked).
    if (it != data_.end() && it->second.back().seq > snap) {
      return Conflict("key read by the transaction was changed by a concurrent commit");
    }
  }
  if (mutations.empty()) return Status::Ok();
  const Seq seq = ++last_seq_;
  for (const Mutation& mutation : mutations) ApplyLocked(mutation, seq);
  return Status::Ok();
}

void MemStore::ApplyLocked(const Mutation& mutation, Seq seq) {
  auto it = data_.find(mutation.key);
  if (it == data_.end()) {
    if (!mutation.value.has_value() && live_snapshots_.empty()) return;  // nothing to hide
    it = data_.emplace(mutation.key, Versions{}).first;
  }
  Versions& versions = it->second;
  if (!versions.empty() && versions.back().seq == seq) {
    versions.back().value = mutation.value;  // same batch wrote the key before
  } else {
    versions.push_back(Version{seq, mutation.value});
  }
  PruneLocked(it);
}

void MemStore::PruneLocked(Map::iterator it) {
  // Every live snapshot is >= oldest, and future snapshots are >= last_seq_,
  // so versions older than the one visible at oldest can never be read.
  const Seq oldest = live_snapshots_.empty() ? last_seq_ : *live_snapshots_.begin();
  Versions& versions = it->second;
  size_t keep_from = 0;
  for (size_t i = versions.size(); i-- > 0;) {
    if (versions[i].seq <= oldest) {
      keep_from = i;
      break;
    }
  }
  versions.erase(versions.begin(), versions.begin() + static_cast<ptrdiff_t>(keep_from));
  // A lone tombstone that every snapshot already sees adds nothing: readers
  // see the key as absent either way, and it is no newer than any snapshot,
  // so it can never signal a conflict.
  if (versions.size() == 1 && !versions.front().value.has_value() && versions.front().seq <= oldest) {
    data_.erase(it);
  }
}

void MemStore::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
}

std::optional<MemStore::Seq> MemStore::LastSeq() const {
  std::lock_guard lock(mu_);
  if (closed_) return std::nullopt;
  return last_seq_;
}

bool MemStore::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

}  // namespace nasd::kv
