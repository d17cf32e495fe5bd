#include "vfs/data/file_data.h"

#include <algorithm>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "meta/keys.h"
#include "vfs/data/layout.h"
#include "vfs/gc/chunk_pins.h"

namespace nasd::vfs::data {
namespace {

// PlanRead reads up to this many block records with point reads, more with
// one scan.
constexpr uint64_t kPointReadBlocks = 8;

using meta::BlockRecord;

std::string RawId(const chunk::ChunkId& id) {
  return std::string(reinterpret_cast<const char*>(id.bytes().data()), id.bytes().size());
}

// The committed bytes of one block (up to its record's length).
Result<std::string> LoadBlock(meta::ShareTxn& txn, chunk::ChunkStore& chunks, uint64_t ino,
                              uint64_t block) {
  NASD_ASSIGN_OR_RETURN(auto rec, txn.GetBlock(ino, block));
  if (!rec) return std::string();
  NASD_ASSIGN_OR_RETURN(std::string bytes, chunks.GetRange(ToChunkId(rec->chunk_id), 0, rec->length));
  if (bytes.size() != rec->length) {
    return Corruption(fmt::format("chunk of block {} of inode {} holds {} bytes, not {}", block, ino,
                                  bytes.size(), rec->length));
  }
  return bytes;
}

// Stores bytes as block `block` (a hole when all zero).
Status PutBlockBytes(meta::ShareTxn& txn, chunk::ChunkStore& chunks, uint64_t ino, uint64_t block,
                     std::string_view bytes) {
  if (bytes.empty() || AllZero(bytes)) return txn.EraseBlock(ino, block);
  // Pinned until PutBlock has read the chunk's 'Z' record (vfs/gc/chunk_pins.h).
  gc::PinSet pin;
  NASD_ASSIGN_OR_RETURN(chunk::ChunkId id, pin.Put(chunks, bytes));
  return txn.PutBlock(ino, block, BlockRecord{RawId(id), static_cast<uint32_t>(bytes.size())});
}

Status EraseBlocksFrom(meta::ShareTxn& txn, uint64_t ino, uint64_t first) {
  std::vector<uint64_t> doomed;
  NASD_RETURN_IF_ERROR(txn.ScanBlocks(ino, first, [&](uint64_t block, const BlockRecord&) {
    doomed.push_back(block);
    return true;
  }));
  for (uint64_t block : doomed) NASD_RETURN_IF_ERROR(txn.EraseBlock(ino, block));
  return Status::Ok();
}

void Overlay(std::string& base, const PartialBlock& p) {
  if (base.size() < p.data.size()) base.resize(p.data.size(), '\0');
  for (const auto& [b, e] : p.ranges) std::memcpy(base.data() + b, p.data.data() + b, e - b);
}

}  // namespace

chunk::ChunkId ToChunkId(std::string_view raw) {
  std::array<uint8_t, chunk::ChunkId::kSize> bytes{};
  std::memcpy(bytes.data(), raw.data(), std::min(raw.size(), bytes.size()));
  return chunk::ChunkId(bytes);
}

Result<ReadPlan> PlanRead(meta::ShareTxn& txn, uint64_t ino, uint64_t size, uint64_t block_size,
                          uint64_t offset, uint64_t length, size_t ahead) {
  ReadPlan plan;
  if (offset >= size || length == 0) return plan;
  const uint64_t end = offset + std::min(length, size - offset);
  if (IsInline(size)) {
    NASD_ASSIGN_OR_RETURN(plan.inline_bytes, txn.GetData(ino));
    const uint64_t have = plan.inline_bytes.size();
    if (offset < have) {
      const uint64_t n = std::min(end, have) - offset;
      plan.pieces.push_back({ReadPiece::Kind::kInline, offset, n, {}, offset});
    }
    if (end > std::max(offset, have)) {
      const uint64_t z = std::max(offset, have);
      plan.pieces.push_back({ReadPiece::Kind::kZeros, z, end - z, {}, 0});
    }
    return plan;
  }
  const uint64_t first = offset / block_size;
  const uint64_t last = (end - 1) / block_size;
  std::map<uint64_t, BlockRecord> blocks;
  auto visit = [&](uint64_t block, const BlockRecord& rec) {
    if (block > last + ahead) return false;
    if (block > last) {
      plan.following.push_back(rec.chunk_id);
    } else {
      blocks.emplace(block, rec);
    }
    return true;
  };
  // A few blocks are read one by one: a point read costs a fraction of
  // what a scan's iterator does (a 64 KiB Range GET reads 1 + ahead blocks).
  // Not once the share had a snapshot: a block last written before it lives
  // at an older epoch, which a point read finds only by scanning after all.
  const uint64_t stop = std::min(last + ahead, (size - 1) / block_size);
  if (stop - first < kPointReadBlocks && txn.epoch() <= meta::keys::kFirstEpoch) {
    for (uint64_t block = first; block <= stop; ++block) {
      NASD_ASSIGN_OR_RETURN(std::optional<BlockRecord> rec, txn.GetBlock(ino, block));
      if (rec) visit(block, *rec);
    }
  } else {
    NASD_RETURN_IF_ERROR(txn.ScanBlocks(ino, first, visit));
  }
  uint64_t pos = offset;
  while (pos < end) {
    const uint64_t block = pos / block_size;
    const uint64_t block_start = block * block_size;
    const uint64_t block_end = std::min(end, block_start + block_size);
    auto it = blocks.find(block);
    const uint64_t data_end = it == blocks.end() ? block_start : block_start + it->second.length;
    if (pos < data_end) {
      const uint64_t n = std::min(block_end, data_end) - pos;
      plan.pieces.push_back(
          {ReadPiece::Kind::kChunk, pos, n, it->second.chunk_id, pos - block_start});
      pos += n;
    }
    if (pos < block_end) {
      if (!plan.pieces.empty() && plan.pieces.back().kind == ReadPiece::Kind::kZeros) {
        plan.pieces.back().length += block_end - pos;
      } else {
        plan.pieces.push_back({ReadPiece::Kind::kZeros, pos, block_end - pos, {}, 0});
      }
      pos = block_end;
    }
  }
  return plan;
}

Status Resize(meta::ShareTxn& txn, chunk::ChunkStore& chunks, uint64_t ino, uint64_t old_size,
              uint64_t new_size, uint64_t block_size) {
  if (new_size == old_size) return Status::Ok();
  if (IsInline(old_size) && IsInline(new_size)) {
    if (new_size > old_size) return Status::Ok();
    NASD_ASSIGN_OR_RETURN(std::string bytes, txn.GetData(ino));
    if (bytes.size() <= new_size) return Status::Ok();
    bytes.resize(new_size);
    return txn.PutData(ino, bytes);
  }
  if (IsInline(old_size)) {  // growing out of the inline form
    NASD_ASSIGN_OR_RETURN(std::string bytes, txn.GetData(ino));
    NASD_RETURN_IF_ERROR(txn.PutData(ino, ""));
    return PutBlockBytes(txn, chunks, ino, 0, bytes);
  }
  if (IsInline(new_size)) {  // shrinking into the inline form
    NASD_ASSIGN_OR_RETURN(std::string bytes, LoadBlock(txn, chunks, ino, 0));
    if (bytes.size() > new_size) bytes.resize(new_size);
    NASD_RETURN_IF_ERROR(EraseBlocksFrom(txn, ino, 0));
    return txn.PutData(ino, AllZero(bytes) ? std::string_view() : std::string_view(bytes));
  }
  if (new_size > old_size) return Status::Ok();  // the new bytes are a hole
  NASD_RETURN_IF_ERROR(EraseBlocksFrom(txn, ino, (new_size + block_size - 1) / block_size));
  const uint64_t tail = new_size % block_size;
  if (tail == 0) return Status::Ok();
  const uint64_t last = new_size / block_size;
  NASD_ASSIGN_OR_RETURN(auto rec, txn.GetBlock(ino, last));
  if (!rec || rec->length <= tail) return Status::Ok();
  rec->length = static_cast<uint32_t>(tail);
  return txn.PutBlock(ino, last, *rec);
}

Status CommitWrites(meta::ShareTxn& txn, chunk::ChunkStore& chunks, uint64_t ino,
                    uint64_t old_size, uint64_t new_size, const PendingWrites& writes) {
  if (IsInline(new_size)) {
    // Only block 0 can hold bytes of an inline-sized file, and only in part.
    // An empty file holds none (Resize keeps an inline file's bytes within
    // its size): a new file's first write reads nothing.
    std::string bytes;
    if (old_size > 0) {
      NASD_ASSIGN_OR_RETURN(bytes, txn.GetData(ino));
    }
    for (const auto& [block, p] : writes.partial()) {
      if (block != 0) return Internal("inline file with a write past block 0");
      Overlay(bytes, p);
    }
    if (!writes.stored().empty()) return Internal("inline file with a whole block written");
    return txn.PutData(ino, bytes);
  }
  std::string inline_bytes;
  const bool was_inline = IsInline(old_size);
  if (was_inline) {
    NASD_ASSIGN_OR_RETURN(inline_bytes, txn.GetData(ino));
    NASD_RETURN_IF_ERROR(txn.PutData(ino, ""));
  }
  for (const auto& [block, s] : writes.stored()) {
    if (s.chunk_id.empty()) {
      NASD_RETURN_IF_ERROR(txn.EraseBlock(ino, block));
    } else {
      NASD_RETURN_IF_ERROR(txn.PutBlock(ino, block, BlockRecord{s.chunk_id, s.length}));
    }
  }
  for (const auto& [block, p] : writes.partial()) {
    std::string bytes;
    if (block == 0 && was_inline) {
      bytes = std::move(inline_bytes);
      inline_bytes.clear();
    } else {
      NASD_ASSIGN_OR_RETURN(bytes, LoadBlock(txn, chunks, ino, block));
    }
    Overlay(bytes, p);
    NASD_RETURN_IF_ERROR(PutBlockBytes(txn, chunks, ino, block, bytes));
  }
  // Old inline bytes whose block 0 was not rewritten move to block 0.
  if (was_inline && !inline_bytes.empty() && !writes.stored().contains(0)) {
    NASD_RETURN_IF_ERROR(PutBlockBytes(txn, chunks, ino, 0, inline_bytes));
  }
  return Status::Ok();
}

}  // namespace nasd::vfs::data
