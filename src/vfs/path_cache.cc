#include "vfs/path_cache.h"

#include <utility>

namespace nasd::vfs {

namespace {

void AppendU32(std::string& out, uint32_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }

// Roughly what an entry holds in memory, with its key.
size_t Cost(const std::string& key, const PathCache::Entry& e) {
  size_t n = sizeof(PathCache::Entry) + key.size() + e.found.size() * sizeof(Attr) + 64;
  if (e.plan) {
    n += e.plan->inline_bytes.size();
    for (const data::ReadPiece& p : e.plan->pieces) n += sizeof p + p.chunk_id.size();
    for (const std::string& id : e.plan->following) n += sizeof id + id.size();
  }
  return n;
}

}  // namespace

std::string PathCache::Key(const Caller& caller, uint64_t dir, std::span<const std::string> names) {
  std::string key;
  size_t n = 3 * sizeof(uint32_t) + caller.groups.size() * sizeof(uint32_t) + sizeof dir;
  for (const std::string& name : names) n += name.size() + 1;
  key.reserve(n);
  AppendU32(key, caller.uid);
  AppendU32(key, caller.gid);
  AppendU32(key, static_cast<uint32_t>(caller.groups.size()));
  for (uint32_t g : caller.groups) AppendU32(key, g);
  key.append(reinterpret_cast<const char*>(&dir), sizeof dir);
  // A name holds neither NUL nor '/': NUL ends each one unambiguously.
  for (const std::string& name : names) {
    key += name;
    key += '\0';
  }
  return key;
}

std::shared_ptr<const PathCache::Entry> PathCache::Find(uint64_t stamp, const std::string& key) {
  std::shared_ptr<const Entry> found;
  Entries dropped;  // freed outside the lock
  {
    std::lock_guard lock(mu_);
    if (stamp > stamp_) dropped = AdvanceLocked(stamp);
    if (stamp == stamp_) {
      auto it = entries_.find(key);
      if (it != entries_.end()) found = it->second;
    }
  }
  return found;
}

void PathCache::Insert(uint64_t stamp, std::string key, Entry entry) {
  const size_t cost = Cost(key, entry);
  auto shared = std::make_shared<const Entry>(std::move(entry));
  // Freed outside the lock.
  std::shared_ptr<const Entry> replaced;
  Entries dropped;
  std::lock_guard lock(mu_);
  if (stamp > stamp_) dropped = AdvanceLocked(stamp);
  if (stamp != stamp_) return;
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    bytes_ -= Cost(it->first, *it->second);
    replaced = std::move(it->second);
    entries_.erase(it);
  }
  if (bytes_ + cost > max_bytes_) return;
  bytes_ += cost;
  entries_.emplace(std::move(key), std::move(shared));
}

PathCache::Entries PathCache::AdvanceLocked(uint64_t stamp) {
  stamp_ = stamp;
  bytes_ = 0;
  return std::exchange(entries_, {});
}

PathCache::Stats PathCache::stats() const {
  return Stats{hits_.load(std::memory_order_relaxed), misses_.load(std::memory_order_relaxed)};
}

}  // namespace nasd::vfs
