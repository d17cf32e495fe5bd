// PathCache: the answers of recent path walks (ops::LookupPath), kept for as
// long as the metadata has not changed, so that a path read again and again
// (small GETs, HEADs, PROPFINDs) costs no metadata transaction.
//
// Validity is the KV's change stamp (KvEngine::ChangeStamp), not a list of
// what each write touches: an entry answers only a walk at the very stamp
// whose snapshot it was read in, and the stamp moves with every commit, so an
// entry can never outlive any change to the records it was read from (or to
// any other: every write empties the cache, which is what a read-mostly
// share wants and costs a write-heavy one only misses). What is not in the KV
// (a file's writes buffered in the WriteBack) is the walker's to check, as
// for a fresh walk.
//
// All entries belong to one stamp; the first Find or Insert at a newer one
// drops them. Bounded by bytes: an insert that does not fit is not kept.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/thread_annotations.h"
#include "vfs/path_read.h"
#include "vfs/types.h"

namespace nasd::vfs {

class PathCache {
 public:
  struct Entry {
    // Every name's attributes as the walk read them (no buffered writes
    // overlaid).
    std::vector<Attr> found;
    // The span PathRead::want picked and its plan, when one was planned.
    std::optional<PathRead::Span> span;
    std::optional<data::ReadPlan> plan;
  };
  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
  };

  // max_bytes 0 keeps nothing.
  explicit PathCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // What a walk's answer depends on besides the metadata: who walks (the
  // permission checks), from where, and the names.
  static std::string Key(const Caller& caller, uint64_t dir, std::span<const std::string> names);

  // The entry for key read at stamp; null if none.
  std::shared_ptr<const Entry> Find(uint64_t stamp, const std::string& key) EXCLUDES(mu_);
  // Counts a walk answered from the cache (hit) or not (an entry found may
  // not hold all the walker needs).
  void Count(bool hit) { (hit ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed); }
  // Keeps entry as key's answer at stamp (unless stamp is older than the
  // cache's, or it does not fit).
  void Insert(uint64_t stamp, std::string key, Entry entry) EXCLUDES(mu_);

  Stats stats() const;

 private:
  using Entries = std::unordered_map<std::string, std::shared_ptr<const Entry>>;

  // Moves the cache to stamp and returns every entry it held (for the caller
  // to free after unlocking). REQUIRES: stamp > stamp_.
  Entries AdvanceLocked(uint64_t stamp) REQUIRES(mu_);

  const size_t max_bytes_;
  std::mutex mu_;
  uint64_t stamp_ GUARDED_BY(mu_) = 0;
  size_t bytes_ GUARDED_BY(mu_) = 0;
  Entries entries_ GUARDED_BY(mu_);
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace nasd::vfs
