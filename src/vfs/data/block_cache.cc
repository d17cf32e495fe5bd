#include "vfs/data/block_cache.h"

#include <algorithm>
#include <cstring>
#include <optional>

namespace nasd::vfs::data {

namespace {

// Whether a read at offset continues a stream that has got to next (none:
// only a read from the start does).
bool Continues(std::optional<uint64_t> next, uint64_t offset, uint64_t window) {
  if (!next) return offset == 0;
  return offset <= *next ? *next - offset <= window : offset - *next <= window;
}

}  // namespace

bool SequentialTracker::Peek(uint64_t ino, uint64_t offset) {
  std::lock_guard lock(mu_);
  auto it = next_.find(ino);
  return Continues(it == next_.end() ? std::nullopt : std::optional(it->second), offset, kWindow);
}

bool SequentialTracker::Next(uint64_t ino, uint64_t offset, uint64_t length) {
  std::lock_guard lock(mu_);
  auto it = next_.find(ino);
  const bool sequential =
      Continues(it == next_.end() ? std::nullopt : std::optional(it->second), offset, kWindow);
  if (it == next_.end()) {
    if (next_.size() >= kMaxTracked) next_.clear();
    it = next_.emplace(ino, 0).first;
  }
  // A reader's requests may arrive out of order (several in flight): the
  // stream's end only moves forward while they do.
  it->second = sequential ? std::max(it->second, offset + length) : offset + length;
  return sequential;
}

BlockCache::BlockCache(chunk::ChunkStore& chunks, BlockCacheOptions options)
    : chunks_(chunks), options_(options) {
  for (int i = 0; i < options_.readahead_threads; ++i) threads_.emplace_back([this] { PrefetchLoop(); });
}

BlockCache::~BlockCache() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  done_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

SharedBytes BlockCache::Lookup(const std::string& id, bool count_miss) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    if (count_miss) ++misses_;
    return {};
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.bytes;
}

void BlockCache::Insert(const std::string& id, SharedBytes bytes) {
  if (bytes.size() > options_.capacity_bytes) return;
  std::lock_guard lock(mu_);
  if (entries_.contains(id)) return;
  lru_.push_front(id);
  bytes_ += bytes.size();
  entries_.emplace(id, Entry{std::move(bytes), lru_.begin()});
  while (bytes_ > options_.capacity_bytes && !lru_.empty()) {
    auto victim = entries_.find(lru_.back());
    bytes_ -= victim->second.bytes.size();
    entries_.erase(victim);
    lru_.pop_back();
  }
}

Result<SharedBytes> BlockCache::Get(const std::string& id) {
  if (SharedBytes hit = Lookup(id); hit.owner) return hit;
  NASD_ASSIGN_OR_RETURN(SharedBytes bytes, chunks_.GetShared(ToChunkId(id)));
  Insert(id, bytes);
  return bytes;
}

void BlockCache::Prefetch(const std::vector<std::string>& ids) {
  if (threads_.empty() || ids.empty()) return;
  size_t added = 0;
  {
    std::lock_guard lock(mu_);
    for (const std::string& id : ids) {
      if (entries_.contains(id) || queued_.contains(id) || queue_.size() >= options_.max_queued) {
        continue;
      }
      queue_.push_back(id);
      queued_.emplace(id, true);
      ++added;
    }
  }
  if (added == 1) {
    work_cv_.notify_one();
  } else if (added > 1) {
    work_cv_.notify_all();
  }
}

void BlockCache::PrefetchLoop() {
  for (;;) {
    std::string id;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      id = std::move(queue_.front());
      queue_.pop_front();
    }
    Result<SharedBytes> bytes = chunks_.GetShared(ToChunkId(id));
    if (bytes.ok()) Insert(id, std::move(*bytes));
    {
      std::lock_guard lock(mu_);
      queued_.erase(id);
      if (bytes.ok()) ++readaheads_;
    }
    done_cv_.notify_all();
  }
}

SharedBytes BlockCache::AwaitPrefetch(const std::string& id) {
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return stopping_ || !queued_.contains(id); });
  auto it = entries_.find(id);
  if (it == entries_.end()) return {};
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.bytes;
}

namespace {

// Zeros that holes are read from, shared by every read.
constexpr size_t kZerosSize = 1 << 20;
const std::shared_ptr<const std::string>& Zeros() {
  static const auto* zeros = new std::shared_ptr<const std::string>(
      std::make_shared<const std::string>(kZerosSize, '\0'));
  return *zeros;
}

}  // namespace

std::string ReadBuffers::Flatten() const {
  std::string out;
  out.reserve(size);
  for (const Part& p : parts) out.append(p.bytes);
  return out;
}

Result<ReadBuffers> BlockCache::ReadShared(ReadPlan& plan, bool sequential, bool nowait) {
  ReadBuffers out;
  std::shared_ptr<const std::string> inline_bytes;
  for (const ReadPiece& p : plan.pieces) {
    out.size += p.length;
    switch (p.kind) {
      case ReadPiece::Kind::kZeros:
        for (uint64_t left = p.length; left > 0;) {
          const size_t n = static_cast<size_t>(std::min<uint64_t>(left, kZerosSize));
          out.parts.push_back({Zeros(), std::string_view(Zeros()->data(), n)});
          left -= n;
        }
        break;
      case ReadPiece::Kind::kInline:
        if (!inline_bytes) inline_bytes = std::make_shared<const std::string>(std::move(plan.inline_bytes));
        if (p.chunk_offset + p.length > inline_bytes->size()) {
          return Corruption("inline data is shorter than its read plan");
        }
        out.parts.push_back({inline_bytes, std::string_view(*inline_bytes).substr(p.chunk_offset, p.length)});
        break;
      case ReadPiece::Kind::kChunk: {
        SharedBytes whole = Lookup(p.chunk_id, /*count_miss=*/!nowait);
        if (!whole.owner && nowait) return Status(Code::kWouldBlock, "a chunk of the read is not cached");
        if (!whole.owner && sequential) whole = AwaitPrefetch(p.chunk_id);
        if (!whole.owner && sequential) {
          NASD_ASSIGN_OR_RETURN(whole, Get(p.chunk_id));
        }
        if (whole.owner) {
          if (p.chunk_offset + p.length > whole.size()) {
            return Corruption("chunk is shorter than its block record");
          }
          out.parts.push_back({whole.owner, whole.bytes.substr(p.chunk_offset, p.length)});
        } else {
          NASD_ASSIGN_OR_RETURN(std::string part,
                                chunks_.GetRange(ToChunkId(p.chunk_id), p.chunk_offset, p.length));
          if (part.size() != p.length) return Corruption("chunk is shorter than its block record");
          out.parts.push_back(SharedBytes::Of(std::move(part)));
        }
        break;
      }
    }
  }
  if (sequential) Prefetch(plan.following);
  return out;
}

BlockCacheStats BlockCache::Stats() const {
  std::lock_guard lock(mu_);
  return BlockCacheStats{hits_, misses_, readaheads_, bytes_};
}

}  // namespace nasd::vfs::data
