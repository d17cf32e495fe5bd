#include "chunk/open_chunks.h"

#include <cstring>

namespace nasd::chunk {

size_t OpenChunks::Hash::operator()(const ChunkId& id) const {
  // A SHA-256 is uniform already: its first bytes are a hash.
  size_t h = 0;
  std::memcpy(&h, id.bytes().data(), sizeof(h));
  return h;
}

std::shared_ptr<const OpenChunk> OpenChunks::Find(const ChunkId& id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.chunk;
}

void OpenChunks::Insert(const ChunkId& id, std::shared_ptr<const OpenChunk> chunk) {
  if (capacity_ == 0) return;
  std::shared_ptr<const OpenChunk> evicted;  // closed outside the lock
  std::lock_guard lock(mu_);
  if (entries_.contains(id)) return;
  if (entries_.size() >= capacity_) {
    auto last = entries_.find(lru_.back());
    evicted = std::move(last->second.chunk);
    entries_.erase(last);
    lru_.pop_back();
  }
  lru_.push_front(id);
  entries_.emplace(id, Entry{std::move(chunk), lru_.begin()});
}

void OpenChunks::Erase(const ChunkId& id) {
  std::shared_ptr<const OpenChunk> erased;
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  erased = std::move(it->second.chunk);
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

size_t OpenChunks::size() {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace nasd::chunk
