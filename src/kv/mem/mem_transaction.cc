#include "kv/mem/mem_transaction.h"

#include <utility>

namespace nasd::kv {

MemIterator::MemIterator(MemStore* store, MemStore::Seq snap, const Range& range)
    : store_(store), snap_(snap), end_(range.end) {
  SeekFrom(range.begin, /*inclusive=*/true);
}

MemIterator::~MemIterator() { store_->ReleaseSnapshot(snap_); }

void MemIterator::Next() {
  if (!current_.has_value()) return;
  const std::string from = std::move(current_->key);
  SeekFrom(from, /*inclusive=*/false);
}

Status MemIterator::status() const {
  if (status_.ok() && store_->closed()) return Unavailable("kv engine is closed");
  return status_;
}

void MemIterator::SeekFrom(std::string_view from, bool inclusive) {
  Result<std::optional<KeyValue>> next = store_->Seek(from, inclusive, end_, snap_);
  if (!next.ok()) {
    status_ = next.status();
    current_.reset();
    return;
  }
  current_ = std::move(next).value();
}

MemTransaction::MemTransaction(MemStore* store, MemStore::Seq snap, bool read_only,
                               CommitHook commit_hook)
    : store_(store), snap_(snap), read_only_(read_only), commit_hook_(std::move(commit_hook)) {}

MemTransaction::~MemTransaction() { Finish(); }

void MemTransaction::Finish() {
  if (finished_) return;
  finished_ = true;
  store_->ReleaseSnapshot(snap_);
}

Result<std::optional<std::string>> MemTransaction::Get(std::string_view key) {
  if (!finished_ && !read_only_) read_keys_.emplace(key);
  return GetUntracked(key);
}

Result<std::optional<std::string>> MemTransaction::GetUntracked(std::string_view key) {
  if (finished_) return FailedPrecondition("transaction already committed");
  auto it = writes_.find(key);
  if (it != writes_.end()) return it->second;
  return store_->Get(key, snap_);
}

Result<std::vector<KeyValue>> MemTransaction::Scan(const Range& range, size_t limit) {
  if (finished_) return FailedPrecondition("transaction already committed");
  std::vector<KeyValue> out;
  const bool bounded = !range.end.empty();
  auto pending = writes_.lower_bound(range.begin);
  auto pending_done = [&] { return pending == writes_.end() || (bounded && pending->first >= range.end); };
  NASD_ASSIGN_OR_RETURN(std::optional<KeyValue> stored,
                        store_->Seek(range.begin, /*inclusive=*/true, range.end, snap_));
  while (limit == 0 || out.size() < limit) {
    const bool have_pending = !pending_done();
    if (!stored.has_value() && !have_pending) break;
    if (have_pending && (!stored.has_value() || pending->first <= stored->key)) {
      // A pending write shadows the stored version of the same key.
      const bool shadows = stored.has_value() && pending->first == stored->key;
      if (pending->second.has_value()) out.push_back(KeyValue{pending->first, *pending->second});
      ++pending;
      if (!shadows) continue;
    } else {
      out.push_back(KeyValue{stored->key, std::move(stored->value)});
    }
    const std::string from = std::move(stored->key);
    NASD_ASSIGN_OR_RETURN(stored, store_->Seek(from, /*inclusive=*/false, range.end, snap_));
  }
  return out;
}

void MemTransaction::Put(std::string_view key, std::string_view value) {
  if (finished_) return;
  if (read_only_) {
    wrote_when_read_only_ = true;
    return;
  }
  writes_.insert_or_assign(std::string(key), std::optional<std::string>(value));
}

void MemTransaction::Delete(std::string_view key) {
  if (finished_) return;
  if (read_only_) {
    wrote_when_read_only_ = true;
    return;
  }
  writes_.insert_or_assign(std::string(key), std::optional<std::string>());
}

Status MemTransaction::Commit() {
  if (finished_) return FailedPrecondition("transaction already committed");
  if (wrote_when_read_only_) {
    Finish();
    return FailedPrecondition("a read-only transaction cannot write");
  }
  // A transaction that wrote nothing has nothing to validate (kv_engine.h).
  if (writes_.empty()) read_keys_.clear();
  std::vector<MemStore::Mutation> mutations;
  mutations.reserve(writes_.size());
  for (auto& [key, value] : writes_) mutations.push_back(MemStore::Mutation{key, value});
  Status st = commit_hook_(read_keys_, snap_, mutations);
  Finish();
  return st;
}

}  // namespace nasd::kv
