// KvEngine: the ordered key-value store under nasd's metadata.
//
// Keys and values are arbitrary bytes; keys sort bytewise (memcmp order).
// Keys beginning with byte 0xFF are reserved for the engine itself (e.g. the
// CheckWritable() probe); callers never write them.
// Implementations: kv/rocksdb (the default, one DB under the storage path) and
// kv/mem (tests). One typed test suite runs against both.
//
// Durability: a committed transaction or written batch is durable (WAL synced)
// before Commit()/Write() return, unless WriteOptions::durable is false.
// Concurrent durable commits are group-committed by the engine.
//
// Isolation: optimistic. A transaction reads from a consistent snapshot taken
// at Begin() and buffers its writes. Commit() fails with Code::kConflict if any
// key read through Transaction::Get() was written by another transaction that
// committed after this one began. Range scans inside a transaction see the
// snapshot (plus the transaction's own writes) but are NOT conflict-checked:
// an operation that depends on the absence of keys in a range must also Get()
// a guard key that every writer of that range updates (e.g. the parent inode).
//
// Thread safety: KvEngine is thread-safe. A Transaction or Iterator must be
// used by one thread at a time and must not outlive its engine. Close()
// invalidates transactions and iterators still open: their reads and Commit()
// then fail with kUnavailable.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace nasd::kv {

struct WriteOptions {
  // false: the write may be lost on power failure (still atomic). Use only for
  // data that can be rebuilt; never for acknowledged user operations.
  bool durable = true;
  // true: a snapshot for reading only. Its reads are not recorded for
  // validation (every Get is GetUntracked), and a Put or Delete makes
  // Commit() fail with kFailedPrecondition.
  bool read_only = false;
};

struct KeyValue {
  std::string key;
  std::string value;
};

// Half-open key range [begin, end). An empty end means "to the end of the keyspace".
struct Range {
  std::string begin;
  std::string end;
  // The range of all keys starting with prefix.
  static Range Prefix(std::string_view prefix);
};

// Forward iterator over a range of a consistent snapshot.
class Iterator {
 public:
  virtual ~Iterator() = default;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  // REQUIRES: Valid()
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // Non-ok if iteration stopped because of an error (then Valid() is false).
  virtual Status status() const = 0;
};

class Transaction {
 public:
  virtual ~Transaction() = default;
  // Reads key from the snapshot (or this transaction's own pending writes) and
  // records it in the read set. nullopt when absent.
  virtual Result<std::optional<std::string>> Get(std::string_view key) = 0;
  // Get without the read set: not conflict-checked, like Scan. For values a
  // transaction may read without its commit depending on them staying put.
  virtual Result<std::optional<std::string>> GetUntracked(std::string_view key) = 0;
  // Up to limit pairs of range from the snapshot merged with pending writes.
  // Not conflict-checked (see the header comment). limit 0 = no limit.
  virtual Result<std::vector<KeyValue>> Scan(const Range& range, size_t limit = 0) = 0;
  virtual void Put(std::string_view key, std::string_view value) = 0;
  virtual void Delete(std::string_view key) = 0;
  // Validates the read set and applies the writes atomically. kConflict when a
  // read key changed since Begin(); the transaction is then finished and must
  // be discarded. A transaction that wrote nothing returns ok at once, with
  // no validation and no WAL sync: its reads were one consistent snapshot.
  // Calling anything after Commit() is a programming error.
  virtual Status Commit() = 0;
};

// A blind atomic batch (no reads, never conflicts).
class WriteBatch {
 public:
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  struct Op {
    bool is_delete;
    std::string key;
    std::string value;
  };
  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }

 private:
  std::vector<Op> ops_;
};

struct EngineStats {
  uint64_t commits = 0;    // successful Transaction::Commit() and Write() calls
  uint64_t conflicts = 0;  // Commit() calls that failed with kConflict
  uint64_t wal_syncs = 0;  // log syncs; durable commits share them (0: no log)
};

class KvEngine {
 public:
  virtual ~KvEngine() = default;

  virtual Result<std::optional<std::string>> Get(std::string_view key) = 0;
  // Iterator over range on a snapshot taken now.
  virtual std::unique_ptr<Iterator> NewIterator(const Range& range) = 0;
  virtual std::unique_ptr<Transaction> Begin(WriteOptions options = {}) = 0;
  virtual Status Write(const WriteBatch& batch, WriteOptions options = {}) = 0;
  // Writes a probe key durably and deletes it: proves the engine is writable
  // (used by /readyz).
  virtual Status CheckWritable() = 0;
  // Flushes and closes; later calls fail with kUnavailable. Idempotent.
  virtual Status Close() = 0;
  virtual EngineStats Stats() const = 0;
  // A number that grows whenever a commit becomes visible to reads, and only
  // then: equal stamps read before and after some reads prove that nothing
  // they read changed in between (vfs/path_cache.h). nullopt where the engine
  // cannot tell cheaply, or once closed.
  virtual std::optional<uint64_t> ChangeStamp() const = 0;
};

// Commit-latency observer, called after every Commit()/Write() with seconds
// and whether it succeeded. Set once, before concurrent use.
using CommitObserver = std::function<void(double seconds, bool ok)>;

}  // namespace nasd::kv
