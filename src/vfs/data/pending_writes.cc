#include "vfs/data/pending_writes.h"

#include <algorithm>
#include <cstring>

#include "vfs/data/layout.h"

namespace nasd::vfs::data {
namespace {

// Adds [b, e) to sorted disjoint ranges, merging neighbours.
void AddRange(std::vector<std::pair<uint32_t, uint32_t>>& ranges, uint32_t b, uint32_t e) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  out.reserve(ranges.size() + 1);
  bool placed = false;
  for (const auto& r : ranges) {
    if (r.second < b) {
      out.push_back(r);
    } else if (r.first > e) {
      if (!placed) out.emplace_back(b, e), placed = true;
      out.push_back(r);
    } else {
      b = std::min(b, r.first);
      e = std::max(e, r.second);
    }
  }
  if (!placed) out.emplace_back(b, e);
  ranges = std::move(out);
}

}  // namespace

bool AllZero(std::string_view bytes) {
  // Compare 8 bytes at a time; blocks are large.
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    if (w != 0) return false;
  }
  for (; i < bytes.size(); ++i)
    if (bytes[i] != 0) return false;
  return true;
}

Status PendingWrites::Store(chunk::ChunkStore& chunks, uint64_t block, std::string_view bytes) {
  StoredBlock s;
  s.length = static_cast<uint32_t>(bytes.size());
  if (!AllZero(bytes)) {
    NASD_ASSIGN_OR_RETURN(chunk::ChunkId id, chunks.Put(bytes));
    s.chunk_id.assign(reinterpret_cast<const char*>(id.bytes().data()), id.bytes().size());
  }
  stored_[block] = std::move(s);
  return Status::Ok();
}

Status PendingWrites::Write(chunk::ChunkStore& chunks, uint64_t offset, std::string_view data) {
  while (!data.empty()) {
    const uint64_t block = offset / block_size_;
    const uint32_t b = static_cast<uint32_t>(offset % block_size_);
    const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(data.size(), block_size_ - b));
    const uint32_t e = b + n;
    std::string_view piece = data.substr(0, n);
    auto part = partial_.find(block);
    auto stored = stored_.find(block);
    if (b == 0 && e == block_size_) {
      // A whole block: store it straight from the caller's bytes.
      if (part != partial_.end()) {
        bytes_ -= part->second.data.size();
        partial_.erase(part);
      }
      NASD_RETURN_IF_ERROR(Store(chunks, block, piece));
    } else {
      if (part == partial_.end()) {
        PartialBlock fresh;
        if (stored != stored_.end()) {
          // Rewriting part of a block stored earlier: start from its bytes.
          if (stored->second.chunk_id.empty()) {
            fresh.data.assign(stored->second.length, '\0');
          } else {
            std::array<uint8_t, chunk::ChunkId::kSize> raw;
            std::memcpy(raw.data(), stored->second.chunk_id.data(), raw.size());
            NASD_ASSIGN_OR_RETURN(fresh.data, chunks.Get(chunk::ChunkId(raw)));
          }
          if (!fresh.data.empty())
            fresh.ranges.emplace_back(0, static_cast<uint32_t>(fresh.data.size()));
          stored_.erase(stored);
        }
        bytes_ += fresh.data.size();
        part = partial_.emplace(block, std::move(fresh)).first;
      }
      PartialBlock& p = part->second;
      if (p.data.size() < e) {
        bytes_ += e - p.data.size();
        p.data.resize(e, '\0');
      }
      std::memcpy(p.data.data() + b, piece.data(), n);
      AddRange(p.ranges, b, e);
      if (p.ranges.size() == 1 && p.ranges[0].first == 0 && p.ranges[0].second == block_size_) {
        std::string full = std::move(p.data);
        bytes_ -= full.size();
        partial_.erase(part);
        NASD_RETURN_IF_ERROR(Store(chunks, block, full));
      }
    }
    end_ = std::max(end_, offset + n);
    offset += n;
    data.remove_prefix(n);
  }
  return Status::Ok();
}

Status PendingWrites::StoreAll(chunk::ChunkStore& chunks) {
  for (auto it = partial_.begin(); it != partial_.end();) {
    NASD_RETURN_IF_ERROR(Store(chunks, it->first, it->second.data));
    bytes_ -= it->second.data.size();
    it = partial_.erase(it);
  }
  return Status::Ok();
}

void PendingWrites::Clear() {
  partial_.clear();
  stored_.clear();
  bytes_ = 0;
  end_ = 0;
}

}  // namespace nasd::vfs::data
