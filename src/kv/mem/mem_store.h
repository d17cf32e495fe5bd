// MemStore: the versioned ordered map behind the in-memory KvEngine.
//
// Every committed write batch gets the next sequence number. A key keeps, in
// ascending sequence order, the versions that some live snapshot may still
// read (MVCC), so a snapshot is just a sequence number: reading "at snap"
// returns the newest version with seq <= snap, and nothing is ever copied.
// A version without a value is a tombstone.
//
// Conflict detection uses the same versions: a key read by a transaction that
// began at snap conflicts if its newest version has seq > snap. Versions are
// pruned only when no live snapshot can read them, and a transaction holds its
// snapshot until it finishes, so the evidence it needs is always there.
//
// Thread safety: every method is thread-safe (one mutex). After Close() every
// read and write returns kUnavailable; releasing snapshots still works.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/thread_annotations.h"
#include "kv/kv_engine.h"

namespace nasd::kv {

class MemStore {
 public:
  using Seq = uint64_t;
  // Reads at kLatest see every committed write.
  static constexpr Seq kLatest = UINT64_MAX;

  // One write of a batch; value nullopt deletes the key.
  struct Mutation {
    std::string key;
    std::optional<std::string> value;
  };

  // Pins the current state for reads until ReleaseSnapshot(). kUnavailable
  // when closed.
  Result<Seq> AcquireSnapshot() EXCLUDES(mu_);
  // REQUIRES: snap came from AcquireSnapshot() and is released once.
  void ReleaseSnapshot(Seq snap) EXCLUDES(mu_);

  Result<std::optional<std::string>> Get(std::string_view key, Seq snap) const EXCLUDES(mu_);

  // The first key k visible at snap with k > from (k >= from when inclusive)
  // and k < end (empty end = unbounded); nullopt when there is none.
  Result<std::optional<KeyValue>> Seek(std::string_view from, bool inclusive,
                                       std::string_view end, Seq snap) const EXCLUDES(mu_);

  // Applies mutations atomically (in order; later ones win) if no key in
  // read_keys has a version newer than snap; kConflict otherwise.
  Status Commit(const std::set<std::string, std::less<>>& read_keys, Seq snap,
                const std::vector<Mutation>& mutations) EXCLUDES(mu_);

  void Close() EXCLUDES(mu_);
  // The sequence number of the last commit; nullopt when closed.
  std::optional<Seq> LastSeq() const EXCLUDES(mu_);
  bool closed() const EXCLUDES(mu_);

 private:
  struct Version {
    Seq seq;
    std::optional<std::string> value;
  };
  using Versions = std::vector<Version>;  // ascending seq, never empty
  using Map = std::map<std::string, Versions, std::less<>>;

  // The version visible at snap, or nullptr.
  static const Version* VisibleAt(const Versions& versions, Seq snap);
  void ApplyLocked(const Mutation& mutation, Seq seq) REQUIRES(mu_);
  // Drops versions of it that no live snapshot can read; may erase the key.
  void PruneLocked(Map::iterator it) REQUIRES(mu_);

  mutable std::mutex mu_;
  Map data_ GUARDED_BY(mu_);
  Seq last_seq_ GUARDED_BY(mu_) = 0;
  std::multiset<Seq> live_snapshots_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace nasd::kv
