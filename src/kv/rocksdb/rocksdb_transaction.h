// Transaction and Iterator of the RocksDB engine (rocksdb_engine.h).
//
// A transaction is a rocksdb::Transaction of an OptimisticTransactionDB with a
// snapshot taken at Begin(): Get() is GetForUpdate() at that snapshot (the key
// is tracked and validated at commit); Put()/Delete() are untracked, so only
// reads are conflict-checked, as kv_engine.h promises; Scan() iterates the
// transaction, so it sees the snapshot merged with pending writes.
//
// An iterator owns a DB snapshot and a rocksdb::Iterator bounded by
// iterate_upper_bound. Both objects register with DbState so that Close() can
// invalidate them (they then report kUnavailable). Single-threaded use; must
// not outlive the engine.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <rocksdb/slice.h>
#include <rocksdb/utilities/transaction.h>

#include "kv/kv_engine.h"
#include "kv/rocksdb/db_state.h"

namespace nasd::kv {

class RocksDbIterator final : public Iterator, private OpenResource {
 public:
  // REQUIRES: the caller holds an Access of state whose db() is db (non-null).
  RocksDbIterator(DbState* state, rocksdb::DB* db, const Range& range);
  ~RocksDbIterator() override;

  bool Valid() const override;
  void Next() override;
  std::string_view key() const override;
  std::string_view value() const override;
  Status status() const override;

 private:
  void ReleaseRocksObjects() override;

  DbState* const state_;
  rocksdb::DB* const db_;
  // iterate_upper_bound points at these; they must outlive iter_.
  const std::string upper_;
  const rocksdb::Slice upper_slice_;
  const rocksdb::Snapshot* snapshot_ = nullptr;
  std::unique_ptr<rocksdb::Iterator> iter_;  // null once released
};

class RocksDbTransaction final : public Transaction, private OpenResource {
 public:
  // REQUIRES: the caller holds an Access of state whose db() is db (non-null).
  RocksDbTransaction(DbState* state, rocksdb::OptimisticTransactionDB* db, WriteOptions options);
  ~RocksDbTransaction() override;

  Result<std::optional<std::string>> Get(std::string_view key) override;
  Result<std::vector<KeyValue>> Scan(const Range& range, size_t limit) override;
  void Put(std::string_view key, std::string_view value) override;
  void Delete(std::string_view key) override;
  Status Commit() override;

 private:
  void ReleaseRocksObjects() override;
  // Why txn_ cannot be used: already committed, or the engine closed.
  Status UnusableStatus() const;

  DbState* const state_;
  std::unique_ptr<rocksdb::Transaction> txn_;  // null once released
  bool committed_ = false;
  // Stripes of every key read or written, locked around the commit.
  std::vector<size_t> read_stripes_;   // of keys read with Get
  std::vector<size_t> write_stripes_;  // of keys written
  // First failure of a Put/Delete; Commit() returns it instead of committing.
  Status write_error_;
};

}  // namespace nasd::kv
