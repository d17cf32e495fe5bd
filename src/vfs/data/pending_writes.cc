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

std::string RawId(const chunk::ChunkId& id) {
  return std::string(reinterpret_cast<const char*>(id.bytes().data()), id.bytes().size());
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

Status PendingWrites::StoreNow(chunk::ChunkStore& chunks, uint64_t block, std::string_view bytes) {
  StoredBlock s;
  s.length = static_cast<uint32_t>(bytes.size());
  if (!AllZero(bytes)) {
    NASD_ASSIGN_OR_RETURN(chunk::ChunkId id, pins_.Put(chunks, bytes));
    s.chunk_id = RawId(id);
  }
  stored_[block] = std::move(s);
  return Status::Ok();
}

Status PendingWrites::Store(chunk::ChunkStore& chunks, uint64_t block, std::string bytes) {
  if (max_in_flight_ == 0 || bytes.size() < block_size_ || AllZero(bytes)) {
    return StoreNow(chunks, block, bytes);
  }
  // A slot first: at most max_in_flight_ stores run at once. A failed store
  // keeps its bytes (WaitOne) and this one still starts.
  Status waited;
  if (in_flight_.size() >= max_in_flight_) waited = WaitOne(chunks);
  auto copy = std::make_shared<const std::string>(std::move(bytes));
  bytes_ += copy->size();
  auto put = std::async(std::launch::async,
                        [&chunks, copy] { return gc::ProcessPins().Put(chunks, *copy); });
  in_flight_.push_back(InFlight{block, std::move(copy), std::move(put)});
  return waited;
}

Status PendingWrites::WaitOne(chunk::ChunkStore& chunks) {
  InFlight f = std::move(in_flight_.front());
  in_flight_.pop_front();
  bytes_ -= f.bytes->size();
  Result<chunk::ChunkId> id = f.put.get();
  if (id.ok()) {
    pins_.Adopt(*id);
  } else {
    id = pins_.Put(chunks, *f.bytes);  // one retry, in the foreground
  }
  if (!id.ok()) {
    // Keep the bytes: a later flush tries again.
    PartialBlock p;
    p.data = *f.bytes;
    p.ranges.emplace_back(0, static_cast<uint32_t>(p.data.size()));
    bytes_ += p.data.size();
    partial_[f.block] = std::move(p);
    return id.status();
  }
  stored_[f.block] = StoredBlock{RawId(*id), static_cast<uint32_t>(f.bytes->size())};
  return Status::Ok();
}

Status PendingWrites::Drain(chunk::ChunkStore& chunks) {
  Status first;
  while (!in_flight_.empty()) {
    Status st = WaitOne(chunks);
    if (first.ok() && !st.ok()) first = st;
  }
  return first;
}

PendingWrites::~PendingWrites() {
  for (InFlight& f : in_flight_) {
    Result<chunk::ChunkId> id = f.put.get();
    if (id.ok()) pins_.Adopt(*id);  // released with pins_
  }
}

bool PendingWrites::WouldWait(uint64_t offset, uint64_t length) const {
  if (length == 0) return false;
  const uint64_t block = offset / block_size_;
  if ((offset + length - 1) / block_size_ != block) return true;  // a block's end is reached
  if (stored_.contains(block)) return true;
  for (const InFlight& f : in_flight_) {
    if (f.block == block) return true;
  }
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  if (auto part = partial_.find(block); part != partial_.end()) ranges = part->second.ranges;
  const uint32_t b = static_cast<uint32_t>(offset % block_size_);
  AddRange(ranges, b, b + static_cast<uint32_t>(length));
  return ranges.size() == 1 && ranges[0].first == 0 && ranges[0].second == block_size_;
}

Status PendingWrites::Write(chunk::ChunkStore& chunks, uint64_t offset, std::string_view data) {
  while (!data.empty()) {
    const uint64_t block = offset / block_size_;
    const uint32_t b = static_cast<uint32_t>(offset % block_size_);
    const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(data.size(), block_size_ - b));
    const uint32_t e = b + n;
    std::string_view piece = data.substr(0, n);
    for (const InFlight& f : in_flight_) {
      if (f.block == block) {  // rewriting a block being stored: let it land first
        NASD_RETURN_IF_ERROR(Drain(chunks));
        break;
      }
    }
    auto part = partial_.find(block);
    auto stored = stored_.find(block);
    if (b == 0 && e == block_size_) {
      // A whole block: store it straight from the caller's bytes.
      if (part != partial_.end()) {
        bytes_ -= part->second.data.size();
        partial_.erase(part);
      }
      NASD_RETURN_IF_ERROR(Store(chunks, block, std::string(piece)));
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
        // A sequential writer fills the block: grow it in place, once.
        if (b == 0) fresh.data.reserve(block_size_);
        bytes_ += fresh.data.size();
        part = partial_.emplace(block, std::move(fresh)).first;
      }
      PartialBlock& p = part->second;
      if (p.data.size() == b) {  // appending: no zero fill
        bytes_ += n;
        p.data.append(piece);
      } else {
        if (p.data.size() < e) {
          bytes_ += e - p.data.size();
          p.data.resize(e, '\0');
        }
        std::memcpy(p.data.data() + b, piece.data(), n);
      }
      AddRange(p.ranges, b, e);
      if (p.ranges.size() == 1 && p.ranges[0].first == 0 && p.ranges[0].second == block_size_) {
        std::string full = std::move(p.data);
        bytes_ -= full.size();
        partial_.erase(part);
        NASD_RETURN_IF_ERROR(Store(chunks, block, std::move(full)));
      }
    }
    end_ = std::max(end_, offset + n);
    offset += n;
    data.remove_prefix(n);
  }
  return Status::Ok();
}

Status PendingWrites::StoreAll(chunk::ChunkStore& chunks) {
  NASD_RETURN_IF_ERROR(Drain(chunks));
  for (auto it = partial_.begin(); it != partial_.end();) {
    NASD_RETURN_IF_ERROR(StoreNow(chunks, it->first, it->second.data));
    bytes_ -= it->second.data.size();
    it = partial_.erase(it);
  }
  return Status::Ok();
}

void PendingWrites::Clear() {
  for (InFlight& f : in_flight_) {
    Result<chunk::ChunkId> id = f.put.get();
    if (id.ok()) pins_.Adopt(*id);
  }
  in_flight_.clear();
  pins_.Release();
  partial_.clear();
  stored_.clear();
  bytes_ = 0;
  end_ = 0;
}

}  // namespace nasd::vfs::data
