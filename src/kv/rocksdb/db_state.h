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
// Commit serialisation: a transaction validates its read set (every key it
// read still holds the value read) and then writes its batch. KeyStripes makes
// the two one step: every commit and every Write() holds the stripes of all
// keys it reads or writes across validation and write (modes below), so no
// write to a key can land between another transaction's validation of that
// key and its own write.
// Disjoint commits still run in parallel and share WAL syncs (group commit).
// Each stripe also keeps the sequence number its last write landed through;
// a read key whose stripe nobody wrote since the transaction's snapshot is
// unchanged without being read again (most are: a share's record, the
// folders on a path).
//
// Early lock release: a durable commit writes its batch to the WAL without
// syncing while it holds the stripes, releases them, and only then waits for
// the WAL sync (SyncWalThrough: one leader syncs for everyone waiting). So
// the stripes are held for a memtable insert, not for an fsync, and commits
// whose keys merely share a stripe no longer queue behind each other's
// syncs. A commit's effects are visible to others from its write on; the
// committing call returns (acknowledges) only after the sync. A reader may
// thus see a change that a crash then undoes, but only one whose writer was
// never told it succeeded, and any commit that read it syncs the WAL through
// it before returning (the WAL is one ordered log).
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
#include <condition_variable>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <rocksdb/db.h>

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

// Striped key locks around commits, in three modes. What must not happen is
// a write to a key landing between another commit's validation of that key
// (it read it) and that commit's own write. So a stripe is held:
//   kRead  for keys the commit only read: shared with other readers;
//   kWrite for keys it only writes: shared with other writers (blind writes,
//          such as a directory's change stamp written by every create in
//          it, do not serialise commits);
//   kBoth  for keys it read and writes: exclusive.
// Readers and writers of a stripe exclude each other. Stripes are taken in
// ascending order, so two commits never deadlock. Disjoint or compatible
// commits run in parallel and share WAL syncs (group commit).
class KeyStripes {
 public:
  enum class Mode { kRead, kWrite, kBoth };
  static size_t StripeOf(std::string_view key);

  class Held {
   public:
    Held() = default;
    Held(Held&& other) noexcept : owner_(other.owner_), held_(std::move(other.held_)) { other.owner_ = nullptr; }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    Held& operator=(Held&&) = delete;
    ~Held();
    // Records that the holder's writes landed through sequence number seq
    // (call before the locks are released).
    void Wrote(uint64_t seq);

   private:
    friend class KeyStripes;
    KeyStripes* owner_ = nullptr;
    std::vector<std::pair<size_t, Mode>> held_;
  };
  // Locks the stripes of the keys read and written (duplicates allowed).
  // The locks are held until the result dies.
  Held Lock(std::vector<size_t> read, std::vector<size_t> written);
  // True when no write under the stripe landed after sequence number seq:
  // a value read at a snapshot of seq is still the latest. REQUIRES: the
  // stripe is held, so no writer of it is running.
  bool UnwrittenSince(size_t stripe, uint64_t seq) const;

 private:
  struct Stripe {
    std::mutex mu;
    std::condition_variable cv;
    int readers = 0;
    int writers = 0;
    bool both = false;
    // The highest sequence number a write under this stripe landed through
    // (writers in kWrite mode run together: raised, never lowered).
    std::atomic<uint64_t> written_seq{0};
  };
  void Acquire(size_t stripe, Mode mode);
  void Release(size_t stripe, Mode mode);

  static constexpr size_t kStripes = 1024;
  std::array<Stripe, kStripes> stripes_;
};

class DbState {
 public:
  // Takes ownership of db.
  DbState(rocksdb::DB* db, CommitObserver observer);
  ~DbState();  // closes the DB if still open
  DbState(const DbState&) = delete;
  DbState& operator=(const DbState&) = delete;

  // Shared access to the DB for the lifetime of this object. db() is nullptr
  // once the DB is closed. Never nest two Access objects in one thread.
  class Access {
   public:
    explicit Access(DbState* state) : lock_(state->close_mu_), db_(state->db_) {}
    rocksdb::DB* db() const { return db_; }

   private:
    std::shared_lock<std::shared_mutex> lock_;
    rocksdb::DB* db_;
  };
  Access Acquire() { return Access(this); }

  // REQUIRES: an Access with a non-null db() is held.
  void Register(OpenResource* resource) EXCLUDES(resources_mu_);
  // Called by the owner after it released its objects itself.
  void Unregister(OpenResource* resource) EXCLUDES(resources_mu_);

  KeyStripes& stripes() { return stripes_; }

  // Makes the WAL durable through sequence number seq (the DB's latest after
  // a write), sharing one sync among concurrent callers.
  // REQUIRES: an Access with a non-null db() is held.
  Status SyncWalThrough(uint64_t seq) EXCLUDES(sync_mu_);

  // Counts a finished commit or batch write, tells the observer, returns st.
  Status Record(std::chrono::steady_clock::time_point start, Status st);
  EngineStats Stats() const;

  // Invalidates open resources, syncs the WAL, flushes memtables and closes
  // the DB. Idempotent: later calls return ok.
  Status Close() EXCLUDES(close_mu_);

 private:
  std::shared_mutex close_mu_;
  rocksdb::DB* db_ GUARDED_BY(close_mu_);

  std::mutex resources_mu_;
  std::unordered_set<OpenResource*> resources_ GUARDED_BY(resources_mu_);

  KeyStripes stripes_;
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  uint64_t synced_seq_ GUARDED_BY(sync_mu_) = 0;  // the WAL is durable through this
  bool syncing_ GUARDED_BY(sync_mu_) = false;     // a leader is in SyncWAL()
  const CommitObserver observer_;
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> conflicts_{0};
  std::atomic<uint64_t> wal_syncs_{0};
};

}  // namespace nasd::kv
