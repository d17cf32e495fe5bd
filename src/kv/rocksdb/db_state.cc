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
  std::sort(read.begin(), read.end());
  read.erase(std::unique(read.begin(), read.end()), read.end());
  std::sort(written.begin(), written.end());
  written.erase(std::unique(written.begin(), written.end()), written.end());
  Held held;
  held.owner_ = this;
  // Merge the two sorted lists into (stripe, mode), ascending.
  size_t r = 0, w = 0;
  while (r < read.size() || w < written.size()) {
    if (w == written.size() || (r < read.size() && read[r] < written[w])) {
      held.held_.emplace_back(read[r++], Mode::kRead);
    } else if (r == read.size() || written[w] < read[r]) {
      held.held_.emplace_back(written[w++], Mode::kWrite);
    } else {
      held.held_.emplace_back(read[r++], Mode::kBoth);
      ++w;
    }
  }
  for (const auto& [stripe, mode] : held.held_) Acquire(stripe, mode);
  return held;
}

KeyStripes::Held::~Held() {
  if (owner_ == nullptr) return;
  for (const auto& [stripe, mode] : held_) owner_->Release(stripe, mode);
}

void KeyStripes::Held::Wrote(uint64_t seq) {
  for (const auto& [stripe, mode] : held_) {
    if (mode == Mode::kRead) continue;
    std::atomic<uint64_t>& written = owner_->stripes_[stripe].written_seq;
    uint64_t seen = written.load(std::memory_order_relaxed);
    while (seen < seq && !written.compare_exchange_weak(seen, seq, std::memory_order_relaxed)) {
    }
  }
}

bool KeyStripes::UnwrittenSince(size_t stripe, uint64_t seq) const {
  // The stripe's mutex, taken by this reader after the last writer let go,
  // orders the writer's store before this load.
  return stripes_[stripe].written_seq.load(std::memory_order_relaxed) <= seq;
}

void KeyStripes::Acquire(size_t index, Mode mode) {
  Stripe& s = stripes_[index];
  std::unique_lock lock(s.mu);
  switch (mode) {
    case Mode::kRead:
      s.cv.wait(lock, [&] { return s.writers == 0 && !s.both; });
      ++s.readers;
      break;
    case Mode::kWrite:
      s.cv.wait(lock, [&] { return s.readers == 0 && !s.both; });
      ++s.writers;
      break;
    case Mode::kBoth:
      s.cv.wait(lock, [&] { return s.readers == 0 && s.writers == 0 && !s.both; });
      s.both = true;
      break;
  }
}

void KeyStripes::Release(size_t index, Mode mode) {
  Stripe& s = stripes_[index];
  {
    std::lock_guard lock(s.mu);
    switch (mode) {
      case Mode::kRead:
        --s.readers;
        break;
      case Mode::kWrite:
        --s.writers;
        break;
      case Mode::kBoth:
        s.both = false;
        break;
    }
  }
  s.cv.notify_all();
}

DbState::DbState(rocksdb::DB* db, CommitObserver observer)
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

Status DbState::SyncWalThrough(uint64_t seq) {
  std::unique_lock lock(sync_mu_);
  while (synced_seq_ < seq) {
    if (syncing_) {
      sync_cv_.wait(lock);  // the leader's sync may cover seq; look again
      continue;
    }
    // Lead: everything written so far is covered by this sync.
    syncing_ = true;
    const uint64_t target = db_->GetLatestSequenceNumber();
    lock.unlock();
    const rocksdb::Status st = db_->SyncWAL();
    wal_syncs_.fetch_add(1, std::memory_order_relaxed);
    lock.lock();
    syncing_ = false;
    if (st.ok()) synced_seq_ = std::max(synced_seq_, target);
    lock.unlock();
    // Woken after the unlock, the waiters do not queue on the mutex.
    sync_cv_.notify_all();
    // target was read after seq was written: the leader is done.
    return st.ok() ? Status::Ok() : FromRocksDb(st, "metadata WAL sync");
  }
  return Status::Ok();
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
  stats.wal_syncs = wal_syncs_.load(std::memory_order_relaxed);
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
