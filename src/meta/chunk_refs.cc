#include "meta/chunk_refs.h"

#include <chrono>

#include "meta/keys.h"

namespace nasd::meta {
namespace {

std::string EncodeCount(uint64_t n) {
  std::string v;
  keys::AppendU64(v, n);
  return v;
}

}  // namespace

Result<uint64_t> ChunkRefCount(kv::Transaction& txn, std::string_view chunk_id) {
  NASD_ASSIGN_OR_RETURN(auto raw, txn.Get(keys::ChunkRefKey(chunk_id)));
  if (!raw) return uint64_t{0};
  uint64_t n = 0;
  if (raw->size() != 8 || !keys::ReadU64(*raw, n)) return Corruption("chunk reference count is malformed");
  return n;
}

Status AddChunkRef(kv::Transaction& txn, std::string_view chunk_id, int64_t delta) {
  if (delta == 0) return Status::Ok();
  NASD_ASSIGN_OR_RETURN(uint64_t n, ChunkRefCount(txn, chunk_id));
  if (delta < 0 && n < static_cast<uint64_t>(-delta)) {
    return Corruption("chunk reference count would drop below zero");
  }
  const uint64_t after = n + static_cast<uint64_t>(delta);
  const std::string key = keys::ChunkRefKey(chunk_id);
  if (after == 0) {
    txn.Delete(key);
    const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    txn.Put(keys::ZeroRefKey(chunk_id), EncodeCount(static_cast<uint64_t>(now)));
  } else {
    txn.Put(key, EncodeCount(after));
    if (n == 0) {
      // Read, not only deleted: a collector that removes 'Z' (to delete the
      // chunk) makes this transaction conflict, so its retry stores the chunk
      // again instead of referencing a deleted one (vfs/gc/chunk_pins.h).
      const std::string zero = keys::ZeroRefKey(chunk_id);
      NASD_RETURN_IF_ERROR(txn.Get(zero).status());
      txn.Delete(zero);
    }
  }
  return Status::Ok();
}

}  // namespace nasd::meta
