// Chunk reference counts (keys::ChunkRefKey): the number of block-record
// versions, in every share and epoch, that name a chunk. They change only in
// the transaction that writes or erases those versions (ShareTxn::PutBlock,
// EraseBlock), so a committed count is always exact.
//
// When a count drops to zero the chunk is put on the collector's work list
// (keys::ZeroRefKey, stamped with the time); when it rises again it is taken
// off. The collector deletes a chunk only through a transaction that proves
// its count is still zero after a grace period (DESIGN.md §3).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "kv/kv_engine.h"

namespace nasd::meta {

// Adds delta to the count of chunk_id (32 raw bytes). kCorruption if the
// count would go below zero.
Status AddChunkRef(kv::Transaction& txn, std::string_view chunk_id, int64_t delta);
Result<uint64_t> ChunkRefCount(kv::Transaction& txn, std::string_view chunk_id);

}  // namespace nasd::meta
