// ChunkStore: nasd's content-addressed block store.
//
// A chunk is an immutable byte string named by the SHA-256 of its bytes.
// Every stored chunk carries crc32c checksums (one per 64 KiB segment, see
// docs/format/chunk.md) that are verified on every read; a mismatch, a torn or
// truncated chunk returns Code::kCorruption, never bad data.
//
// Layering: ChunkStore (this file; hashing, framing, verification) sits on a
// Backend (backend.h; stores named opaque objects atomically): local disk,
// memory, S3 later, and a fault-injecting wrapper for tests. So every backend
// gets the same integrity checks.
//
// Durability: Put() returns only when the chunk is durable in the backend.
// Thread safety: all methods are thread-safe; concurrent Put() of the same
// bytes is safe and idempotent.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "chunk/backend.h"
#include "common/status.h"

namespace nasd::chunk {

class ChunkId {
 public:
  static constexpr size_t kSize = 32;
  ChunkId() = default;
  explicit ChunkId(const std::array<uint8_t, kSize>& bytes) : bytes_(bytes) {}
  // SHA-256 of data.
  static ChunkId Of(std::string_view data);
  // Parses 64 lowercase hex characters; kInvalidArgument otherwise.
  static Result<ChunkId> FromHex(std::string_view hex);
  std::string ToHex() const;
  const std::array<uint8_t, kSize>& bytes() const { return bytes_; }
  auto operator<=>(const ChunkId&) const = default;

 private:
  std::array<uint8_t, kSize> bytes_{};
};

struct ChunkUsage {
  uint64_t chunks = 0;
  uint64_t bytes = 0;  // stored bytes including framing
};

// A chunk's data reachable as a plain file region, for zero-copy sendfile.
// The caller owns fd. The data has NOT been checksum-verified.
struct ChunkFile {
  int fd = -1;
  uint64_t data_offset = 0;
  uint64_t length = 0;
};

// Counters since construction. puts and gets count successful calls (a
// deduplicated Put counts); corruptions counts kCorruption results; errors
// counts other failures except the answers a caller asked for (kNotFound,
// kOutOfRange, kTooLarge, kInvalidArgument, kNotSupported).
struct ChunkStoreStats {
  uint64_t puts = 0;
  uint64_t gets = 0;
  uint64_t corruptions = 0;
  uint64_t errors = 0;
};

class ChunkStore {
 public:
  // Takes ownership of backend.
  explicit ChunkStore(std::unique_ptr<Backend> backend);
  ~ChunkStore();

  // Stores data (idempotent: an existing chunk is not rewritten) and returns its id.
  // Fails with kTooLarge above kMaxChunkSize.
  Result<ChunkId> Put(std::string_view data);
  // Whole chunk, verified. kNotFound when absent, kCorruption when damaged.
  Result<std::string> Get(const ChunkId& id);
  // Bytes [offset, offset+length) clipped to the chunk, verifying only the
  // segments that overlap the range. kOutOfRange if offset > chunk length.
  Result<std::string> GetRange(const ChunkId& id, uint64_t offset, uint64_t length);
  Result<bool> Has(const ChunkId& id);
  // Deleting an absent chunk is ok (idempotent).
  Status Delete(const ChunkId& id);
  // Streams every chunk id; fn returns false to stop early.
  Status List(const std::function<bool(const ChunkId&)>& fn);
  ChunkUsage Usage() const;
  // kNotSupported on backends without local files.
  Result<ChunkFile> OpenFile(const ChunkId& id);
  // Writes and removes a probe object: proves the backend is writable (/readyz).
  Status CheckWritable();
  ChunkStoreStats Stats() const;

  static constexpr uint64_t kMaxChunkSize = 64ULL << 20;

 private:
  struct Counters;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Counters> counters_;
};

}  // namespace nasd::chunk
