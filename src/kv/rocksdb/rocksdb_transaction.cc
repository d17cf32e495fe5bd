#include "kv/rocksdb/rocksdb_transaction.h"

#include <chrono>
#include <utility>

#include "kv/rocksdb/status_mapping.h"

namespace nasd::kv {
namespace {

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }
Status ClosedStatus() { return Unavailable("kv engine is closed"); }

}  // namespace

// ---- RocksDbIterator ----

RocksDbIterator::RocksDbIterator(DbState* state, rocksdb::DB* db, const Range& range)
    : state_(state), db_(db), upper_(range.end), upper_slice_(upper_) {
  snapshot_ = db_->GetSnapshot();
  rocksdb::ReadOptions options;
  options.snapshot = snapshot_;
  if (!upper_.empty()) options.iterate_upper_bound = &upper_slice_;
  iter_.reset(db_->NewIterator(options));
  iter_->Seek(ToSlice(range.begin));
  state_->Register(this);
}

RocksDbIterator::~RocksDbIterator() {
  DbState::Access access = state_->Acquire();
  if (iter_ == nullptr) return;  // Close() already released it
  ReleaseRocksObjects();
  state_->Unregister(this);
}

void RocksDbIterator::ReleaseRocksObjects() {
  iter_.reset();
  db_->ReleaseSnapshot(snapshot_);
  snapshot_ = nullptr;
}

bool RocksDbIterator::Valid() const {
  DbState::Access access = state_->Acquire();
  return iter_ != nullptr && iter_->Valid();
}

void RocksDbIterator::Next() {
  DbState::Access access = state_->Acquire();
  if (iter_ != nullptr && iter_->Valid()) iter_->Next();
}

std::string_view RocksDbIterator::key() const {
  DbState::Access access = state_->Acquire();
  return iter_ != nullptr ? ToView(iter_->key()) : std::string_view();
}

std::string_view RocksDbIterator::value() const {
  DbState::Access access = state_->Acquire();
  return iter_ != nullptr ? ToView(iter_->value()) : std::string_view();
}

Status RocksDbIterator::status() const {
  DbState::Access access = state_->Acquire();
  if (iter_ == nullptr) return ClosedStatus();
  return FromRocksDb(iter_->status(), "metadata iterator");
}

// ---- RocksDbTransaction ----

RocksDbTransaction::RocksDbTransaction(DbState* state, rocksdb::DB* db, WriteOptions options)
    : state_(state), db_(db) {
  write_options_.sync = options.durable;
  read_only_ = options.read_only;
  snapshot_ = db_->GetSnapshot();
  open_ = true;
  state_->Register(this);
}

rocksdb::WriteBatchWithIndex& RocksDbTransaction::Batch() {
  // Created on the first write: most transactions only read.
  if (batch_ == nullptr) {
    batch_ = std::make_unique<rocksdb::WriteBatchWithIndex>(rocksdb::BytewiseComparator(), 0,
                                                            /*overwrite_key=*/true);
  }
  return *batch_;
}

RocksDbTransaction::~RocksDbTransaction() {
  DbState::Access access = state_->Acquire();
  if (!open_) return;  // committed, or Close() released it
  ReleaseRocksObjects();
  state_->Unregister(this);
}

void RocksDbTransaction::ReleaseRocksObjects() {
  open_ = false;
  batch_.reset();
  if (snapshot_ != nullptr) db_->ReleaseSnapshot(snapshot_);
  snapshot_ = nullptr;
}

Status RocksDbTransaction::UnusableStatus() const {
  return committed_ ? FailedPrecondition("transaction already committed") : ClosedStatus();
}

Result<std::optional<std::string>> RocksDbTransaction::Get(std::string_view key) {
  DbState::Access access = state_->Acquire();
  if (!open_) return UnusableStatus();
  if (read_only_) return ReadSnapshot(key);
  if (auto mine = writes_.find(key); mine != writes_.end()) return mine->second;
  read_stripes_.push_back(KeyStripes::StripeOf(key));
  if (auto seen = reads_.find(key); seen != reads_.end()) return seen->second;
  NASD_ASSIGN_OR_RETURN(std::optional<std::string> out, ReadSnapshot(key));
  reads_.emplace(std::string(key), out);
  return out;
}

Result<std::optional<std::string>> RocksDbTransaction::GetUntracked(std::string_view key) {
  DbState::Access access = state_->Acquire();
  if (!open_) return UnusableStatus();
  if (auto mine = writes_.find(key); mine != writes_.end()) return mine->second;
  return ReadSnapshot(key);
}

Result<std::optional<std::string>> RocksDbTransaction::ReadSnapshot(std::string_view key) {
  rocksdb::ReadOptions options;
  options.snapshot = snapshot_;
  std::string value;
  rocksdb::Status st = db_->Get(options, ToSlice(key), &value);
  if (st.IsNotFound()) return std::optional<std::string>();
  if (!st.ok()) return FromRocksDb(st, "metadata get");
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<KeyValue>> RocksDbTransaction::Scan(const Range& range, size_t limit) {
  DbState::Access access = state_->Acquire();
  if (!open_) return UnusableStatus();
  const rocksdb::Slice upper = ToSlice(range.end);
  rocksdb::ReadOptions options;
  options.snapshot = snapshot_;
  if (!range.end.empty()) options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(
      batch_ != nullptr ? batch_->NewIteratorWithBase(db_->NewIterator(options))
                        : db_->NewIterator(options));
  std::vector<KeyValue> out;
  // The bound is checked here too: the merge with pending writes does not
  // promise to honour iterate_upper_bound for keys that exist only in the batch.
  for (it->Seek(ToSlice(range.begin)); it->Valid(); it->Next()) {
    if (limit != 0 && out.size() >= limit) break;
    const std::string_view key = ToView(it->key());
    if (!range.end.empty() && key >= range.end) break;
    out.push_back(KeyValue{std::string(key), std::string(ToView(it->value()))});
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "metadata scan");
  return out;
}

void RocksDbTransaction::Put(std::string_view key, std::string_view value) {
  DbState::Access access = state_->Acquire();
  if (!open_) return;
  if (read_only_) {
    if (write_error_.ok()) write_error_ = FailedPrecondition("a read-only transaction cannot write");
    return;
  }
  write_stripes_.push_back(KeyStripes::StripeOf(key));
  writes_.insert_or_assign(std::string(key), std::optional<std::string>(value));
  rocksdb::Status st = Batch().Put(ToSlice(key), ToSlice(value));
  if (!st.ok() && write_error_.ok()) write_error_ = FromRocksDb(st, "metadata put");
}

void RocksDbTransaction::Delete(std::string_view key) {
  DbState::Access access = state_->Acquire();
  if (!open_) return;
  if (read_only_) {
    if (write_error_.ok()) write_error_ = FailedPrecondition("a read-only transaction cannot write");
    return;
  }
  write_stripes_.push_back(KeyStripes::StripeOf(key));
  writes_.insert_or_assign(std::string(key), std::optional<std::string>());
  rocksdb::Status st = Batch().Delete(ToSlice(key));
  if (!st.ok() && write_error_.ok()) write_error_ = FromRocksDb(st, "metadata delete");
}

Result<bool> RocksDbTransaction::ReadSetUnchanged() {
  const uint64_t read_at = snapshot_->GetSequenceNumber();
  for (const auto& [key, seen] : reads_) {
    // Nothing written under the key's stripe since the snapshot: unchanged,
    // without reading it again. Else compare values (another key of the
    // stripe may be what changed).
    if (state_->stripes().UnwrittenSince(KeyStripes::StripeOf(key), read_at)) continue;
    std::string value;
    rocksdb::Status st = db_->Get(rocksdb::ReadOptions(), ToSlice(key), &value);
    if (!st.ok() && !st.IsNotFound()) return FromRocksDb(st, "metadata validation");
    const bool present = st.ok();
    if (present != seen.has_value() || (present && value != *seen)) return false;
  }
  return true;
}

Status RocksDbTransaction::Commit() {
  const auto start = std::chrono::steady_clock::now();
  DbState::Access access = state_->Acquire();
  if (!open_) return UnusableStatus();
  committed_ = true;
  Status st = write_error_;
  // A transaction that wrote nothing has nothing to validate or sync: its
  // reads came from one consistent snapshot (kv_engine.h).
  if (st.ok() && !write_stripes_.empty()) {
    uint64_t written_through = 0;
    {
      auto locks = state_->stripes().Lock(std::move(read_stripes_), std::move(write_stripes_));
      Result<bool> unchanged = ReadSetUnchanged();
      if (!unchanged.ok()) {
        st = unchanged.status();
      } else if (!*unchanged) {
        st = Status(Code::kConflict, "a key this transaction read was changed by another commit");
      } else {
        // Unsynced under the stripes; synced below, after they are released
        // (early lock release, db_state.h).
        rocksdb::WriteOptions unsynced = write_options_;
        unsynced.sync = false;
        st = FromRocksDb(db_->Write(unsynced, Batch().GetWriteBatch()), "metadata commit");
        written_through = db_->GetLatestSequenceNumber();
        locks.Wrote(written_through);
      }
    }
    if (st.ok() && write_options_.sync) st = state_->SyncWalThrough(written_through);
  }
  // Free the snapshot now rather than when the caller drops the object.
  ReleaseRocksObjects();
  state_->Unregister(this);
  return state_->Record(start, st);
}

}  // namespace nasd::kv
