// A regular file's bytes inside one metadata transaction: planning reads and
// changing the stored form (layout.h) when the file is resized or buffered
// writes are committed. Block records move chunk references with them
// (ShareTxn::PutBlock), so data, sizes and references commit together.
//
// Chunk bytes needed to merge a partial block are read inside the
// transaction body; a retried transaction reads them again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chunk/chunk_store.h"
#include "common/status.h"
#include "meta/records.h"
#include "meta/share_txn.h"
#include "vfs/data/pending_writes.h"

namespace nasd::vfs::data {

// Where bytes [file_offset, file_offset + length) of a read come from.
struct ReadPiece {
  enum class Kind { kZeros, kInline, kChunk };
  Kind kind = Kind::kZeros;
  uint64_t file_offset = 0;
  uint64_t length = 0;
  std::string chunk_id;       // kChunk: raw 32 bytes
  uint64_t chunk_offset = 0;  // kChunk: offset in the chunk; kInline: offset in inline
};

struct ReadPlan {
  std::string inline_bytes;
  std::vector<ReadPiece> pieces;  // in file order, covering the whole read
  // Chunks of the blocks after the read (for readahead), in order.
  std::vector<std::string> following;
};

// The pieces of [offset, offset + length) clipped to size (empty past the
// end). following lists the chunks of up to `ahead` blocks after the range.
Result<ReadPlan> PlanRead(meta::ShareTxn& txn, uint64_t ino, uint64_t size, uint64_t block_size,
                          uint64_t offset, uint64_t length, size_t ahead);

// truncate(2) from old_size to new_size: drops blocks past the end, shortens
// the last one, and converts between the inline and block forms.
Status Resize(meta::ShareTxn& txn, chunk::ChunkStore& chunks, uint64_t ino, uint64_t old_size,
              uint64_t new_size, uint64_t block_size);

// Commits buffered writes to a file of old_size bytes whose new size is
// new_size (>= old_size and >= writes.end()).
Status CommitWrites(meta::ShareTxn& txn, chunk::ChunkStore& chunks, uint64_t ino,
                    uint64_t old_size, uint64_t new_size, const PendingWrites& writes);

chunk::ChunkId ToChunkId(std::string_view raw);

}  // namespace nasd::vfs::data
