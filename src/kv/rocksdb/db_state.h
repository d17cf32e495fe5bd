// DbState: the open RocksDB database shared by the engine and by every
// transaction and iterator it hands out, and the rules for closing it.
//
// Closing: every use of the DB holds close_mu_ shared (Acquire()); Close()
// holds it exclusively, so it waits for calls in progress and no call starts
// on a closed DB. Transactions and iterators register as OpenResource; Close()
// frees their RocksDB objects (snapshots, iterators, transactions) before it
// closes the DB, and from then on they report kUnavailable. Views returned by
// an invalidated iterator's key()/value() die with it.
//
// Commit serialisation: RocksDB's parallel optimistic validation locks only
// the keys a transaction tracks, and nasd tracks only the keys it read (writes
// are untracked: kv_engine.h checks read sets only). KeyStripes closes the
// gap: every commit and every Write() holds the stripes of all keys it reads
// (shared) or writes (exclusive) across validation and write, so no write to
// a key can land between another transaction's validation of that key and
// its own write.
// Disjoint commits still run in parallel and share WAL syncs (group commit).
//
// Thread safety: all methods are thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <rocksdb/utilities/optimistic_transaction_db.h>

#include "common/thread_annotations.h"
#include "kv/kv_engine.h"

namespace nasd::kv {

// A transaction or iterator holding RocksDB objects that must die before the DB.
class OpenResource {
 public:
  // Frees the RocksDB objects. Called at most once, while the DB is open and
  // close_mu_ is held: shared by the owner itself, or exclusively by Close().
  virtual void ReleaseRocksObjects() = 0;

 protected:
  ~OpenResource() = default;
};

// Striped reader-writer key locks around commits: a commit holds the stripes
// of the keys it read shared and of the keys it writes exclusively, so
// commits that only read a common key (creates in one directory read its
// inode) still run in parallel and share WAL syncs.
class KeyStripes {
 public:
  static size_t StripeOf(std::string_view key);
  struct Held {
    std::vector<std::shared_lock<std::shared_mutex>> shared;
    std::vector<std::unique_lock<std::shared_mutex>> exclusive;
  };
  // Locks the stripes (duplicates allowed; a stripe both read and written is
  // taken exclusively) in ascending order, so two callers can never
  // deadlock. The locks are held until the result dies.
  Held Lock(std::vector<size_t> read, std::vector<size_t> written);

 private:
  static constexpr size_t kStripes = 1024;
  std::array<std::shared_mutex, kStripes> mutexes_;
};

class DbState {
 public:
  // Takes ownership of db.
  DbState(rocksdb::OptimisticTransactionDB* db, CommitObserver observer);
  ~DbState();  // closes the DB if still open
  DbState(const DbState&) = delete;
  DbState& operator=(const DbState&) = delete;

  // Shared access to the DB for the lifetime of this object. db() is nullptr
  // once the DB is closed. Never nest two Access objects in one thread.
  class Access {
   public:
    explicit Access(DbState* state) : lock_(state->close_mu_), db_(state->db_) {}
    rocksdb::OptimisticTransactionDB* db() const { return db_; }

   private:
    std::shared_lock<std::shared_mutex> lock_;
    rocksdb::OptimisticTransactionDB* db_;
  };
  Access Acquire() { return Access(this); }

  // REQUIRES: an Access with a non-null db() is held.
  void Register(OpenResource* resource) EXCLUDES(resources_mu_);
  // Called by the owner after it released its objects itself.
  void Unregister(OpenResource* resource) EXCLUDES(resources_mu_);

  KeyStripes& stripes() { return stripes_; }

  // Counts a finished commit or batch write, tells the observer, returns st.
  Status Record(std::chrono::steady_clock::time_point start, Status st);
  EngineStats Stats() const;

  // Invalidates open resources, syncs the WAL, flushes memtables and closes
  // the DB. Idempotent: later calls return ok.
  Status Close() EXCLUDES(close_mu_);

 private:
  std::shared_mutex close_mu_;
  rocksdb::OptimisticTransactionDB* db_ GUARDED_BY(close_mu_);

  std::mutex resources_mu_;
  std::unordered_set<OpenResource*> resources_ GUARDED_BY(resources_mu_);

  KeyStripes stripes_;
  const CommitObserver observer_;
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> conflicts_{0};
};

}  // namespace nasd::kv
