// Transaction and Iterator of the RocksDB engine (rocksdb_engine.h).
//
// A transaction is nasd's own optimistic transaction over the DB: a snapshot
// taken at Begin(), a WriteBatchWithIndex of pending writes, and the read set
// (each key read with Get() and the value the snapshot held). Scan() iterates
// the snapshot merged with pending writes and records nothing. Commit() takes
// the key stripes (db_state.h), checks that every read key still holds the
// value that was read (else kConflict), and writes the batch with one plain
// DB::Write. RocksDB's own optimistic transactions are not used: their
// commits cannot share a WAL sync when validated serially, and hold the lock
// of every read key across the write and its sync when validated in
// parallel, so every commit of a share (they all read the share's record)
// ran one at a time.
//
// An iterator owns a DB snapshot and a rocksdb::Iterator bounded by
// iterate_upper_bound. Both objects register with DbState so that Close() can
// invalidate them (they then report kUnavailable). Single-threaded use; must
// not outlive the engine.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/slice.h>
#include <rocksdb/utilities/write_batch_with_index.h>

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
  RocksDbTransaction(DbState* state, rocksdb::DB* db, WriteOptions options);
  ~RocksDbTransaction() override;

  Result<std::optional<std::string>> Get(std::string_view key) override;
  Result<std::optional<std::string>> GetUntracked(std::string_view key) override;
  Result<std::vector<KeyValue>> Scan(const Range& range, size_t limit) override;
  void Put(std::string_view key, std::string_view value) override;
  void Delete(std::string_view key) override;
  Status Commit() override;

 private:
  void ReleaseRocksObjects() override;
  // Why the transaction cannot be used: already committed, or the engine closed.
  Status UnusableStatus() const;
  // Whether every key read still holds the value read. REQUIRES: stripes held.
  Result<bool> ReadSetUnchanged();
  // key at the snapshot. REQUIRES: an Access is held and the transaction open.
  Result<std::optional<std::string>> ReadSnapshot(std::string_view key);

  DbState* const state_;
  rocksdb::DB* const db_;
  rocksdb::WriteOptions write_options_;
  const rocksdb::Snapshot* snapshot_ = nullptr;
  // The pending writes; created by the first Put/Delete (Batch()).
  std::unique_ptr<rocksdb::WriteBatchWithIndex> batch_;
  rocksdb::WriteBatchWithIndex& Batch();
  bool open_ = false;  // false once committed or released
  bool read_only_ = false;  // WriteOptions::read_only
  // Pending writes (nullopt: delete), for Get's read-your-writes.
  std::map<std::string, std::optional<std::string>, std::less<>> writes_;
  // Keys read from the snapshot and the values they held there.
  std::map<std::string, std::optional<std::string>, std::less<>> reads_;
  bool committed_ = false;
  // Stripes of every key read or written, locked around the commit.
  std::vector<size_t> read_stripes_;   // of keys read with Get
  std::vector<size_t> write_stripes_;  // of keys written
  // First failure of a Put/Delete; Commit() returns it instead of committing.
  Status write_error_;
};

}  // namespace nasd::kv
