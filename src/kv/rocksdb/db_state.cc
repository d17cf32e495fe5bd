#include "kv/rocksdb/db_state.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "kv/rocksdb/status_mapping.h"

namespace nasd::kv {

size_t KeyStripes::StripeOf(std::string_view key) {
  return std::hash<std::string_view>{}(key) % kStripes;
}

KeyStripes::Held KeyStripes::Lock(std::vector<size_t> read, std::vector<size_t> written) {
  // (stripe, exclusive) in ascending stripe order; exclusive wins a tie.
  std::vector<std::pair<size_t, bool>> wanted;
  wanted.reserve(read.size() + written.size());
  for (size_t s : read) wanted.emplace_back(s, false);
  for (size_t s : written) wanted.emplace_back(s, true);
  std::sort(wanted.begin(), wanted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first || (a.first == b.first && a.second > b.second); });
  Held held;
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (i > 0 && wanted[i].first == wanted[i - 1].first) continue;  // first is the strongest
    if (wanted[i].second) {
      held.exclusive.emplace_back(mutexes_[wanted[i].first]);
    } else {
      held.shared.emplace_back(mutexes_[wanted[i].first]);
    }
  }
  return held;
}

DbState::DbState(rocksdb::OptimisticTransactionDB* db, CommitObserver observer)
    : db_(db), observer_(std::move(observer)) {}

DbState::~DbState() { Close().IgnoreError(); }

void DbState::Register(OpenResource* resource) {
  std::lock_guard lock(resources_mu_);
  resources_.insert(resource);
}

void DbState::Unregister(OpenResource* resource) {
  std::lock_guard lock(resources_mu_);
  resources_.erase(resource);
}

Status DbState::Record(std::chrono::steady_clock::time_point start, Status st) {
  if (st.ok()) commits_.fetch_add(1, std::memory_order_relaxed);
  if (st.code() == Code::kConflict) conflicts_.fetch_add(1, std::memory_order_relaxed);
  if (observer_) {
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    observer_(elapsed.count(), st.ok());
  }
  return st;
}

EngineStats DbState::Stats() const {
  EngineStats stats;
  stats.commits = commits_.load(std::memory_order_relaxed);
  stats.conflicts = conflicts_.load(std::memory_order_relaxed);
  return stats;
}

Status DbState::Close() {
  std::unique_lock lock(close_mu_);
  if (db_ == nullptr) return Status::Ok();
  {
    std::lock_guard resources_lock(resources_mu_);
    for (OpenResource* resource : resources_) resource->ReleaseRocksObjects();
    resources_.clear();
  }
  // Report the first failure but always finish closing: the DB is unusable
  // after this call either way, and the WAL still holds what a flush missed.
  Status st = FromRocksDb(db_->FlushWAL(/*sync=*/true), "sync metadata WAL");
  rocksdb::FlushOptions flush_options;
  flush_options.wait = true;
  Status flushed = FromRocksDb(db_->Flush(flush_options), "flush metadata memtable");
  if (st.ok()) st = flushed;
  Status closed = FromRocksDb(db_->Close(), "close metadata store");
  if (st.ok()) st = closed;
  delete db_;
  db_ = nullptr;
  return st;
}

}  // namespace nasd::kv
