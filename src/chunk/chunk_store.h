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
// bytes is safe and idempotent. A store runs up to
// ChunkStoreOptions::hash_threads helper threads (see Put).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "chunk/backend.h"
#include "common/shared_bytes.h"
#include "common/status.h"

namespace nasd::chunk {

class HashPool;
class OpenChunks;
struct OpenChunk;

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
  // False while the backend is still counting (S3: the background listing
  // after start); the figures are then a lower bound.
  bool exact = true;
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

// One helper thread per CPU.
size_t DefaultHashThreads();

struct ChunkStoreOptions {
  // Threads that hash large chunks while Put writes them, started on demand
  // and kept until the store is destroyed. 0: every chunk is hashed on the
  // calling thread before it is written.
  size_t hash_threads = DefaultHashThreads();
  // Chunks of at least this many bytes are hashed while they are written;
  // smaller ones are hashed first, where the overlap would gain less than
  // the hand-off costs.
  uint64_t overlap_min_size = 256 << 10;
  // Chunk files kept open with their decoded headers for OpenFile and
  // OpenFileVerified (open_chunks.h); 0 opens each every time.
  size_t open_files = 256;
};

class ChunkStore {
 public:
  // Takes ownership of backend.
  explicit ChunkStore(std::unique_ptr<Backend> backend, ChunkStoreOptions options = {});
  ~ChunkStore();

  // Stores data and returns its id. Idempotent: an existing complete chunk
  // is never rewritten (an object of the wrong size, a torn leftover, is
  // replaced). Fails with kTooLarge above kMaxChunkSize.
  //
  // A small chunk is hashed, looked up, and written only when absent. A
  // large one is written as a staged object (Backend::BeginPut: header and
  // data, durably) while a helper thread hashes it; then it is committed
  // under its id, or discarded if the chunk already exists. So a duplicate
  // large chunk costs a write that is thrown away, never a changed object.
  // A failed put leaves no temporary, and no object unless it failed after
  // the object was renamed into place (see PendingObject::Commit).
  Result<ChunkId> Put(std::string_view data);
  // Whole chunk, verified. kNotFound when absent, kCorruption when damaged.
  // A read that fails its checksums is retried once when the backend had a
  // cached copy to drop (Backend::Invalidate): the store's own copy is then
  // the answer.
  Result<std::string> Get(const ChunkId& id);
  // The same by reference: the data in the buffer it was read into (for the
  // block cache, the scrubber; no copy, and on the local backend no
  // page-cache copy either).
  Result<SharedBytes> GetShared(const ChunkId& id);
  // Bytes [offset, offset+length) clipped to the chunk, verifying only the
  // segments that overlap the range (retried as Get). kOutOfRange if offset >
  // chunk length.
  Result<std::string> GetRange(const ChunkId& id, uint64_t offset, uint64_t length);
  Result<bool> Has(const ChunkId& id);
  // How many data bytes the chunk holds (its frame's data length; framing
  // not counted), from its header and object size without reading the data.
  // kNotFound when absent, kCorruption when the header is damaged.
  Result<uint64_t> DataLength(const ChunkId& id);
  // Deleting an absent chunk is ok (idempotent).
  Status Delete(const ChunkId& id);
  // Streams every chunk id; fn returns false to stop early.
  Status List(const std::function<bool(const ChunkId&)>& fn);
  ChunkUsage Usage() const;
  // kNotSupported on backends without local files.
  Result<ChunkFile> OpenFile(const ChunkId& id);
  // As OpenFile, and verifies the crc32c of the segments that overlap data
  // bytes [offset, offset+length) (up to 1 MiB read into a per-thread buffer,
  // longer spans mapped); the bytes then sent from fd (sendfile) come from
  // the same page cache pages. kCorruption on a mismatch, kOutOfRange if
  // offset is past the data. nowait: kWouldBlock instead of waiting for the
  // disk (the pages are not all cached) or for a span of more than 1 MiB, so
  // a network thread can try before handing the read to a worker.
  Result<ChunkFile> OpenFileVerified(const ChunkId& id, uint64_t offset, uint64_t length,
                                     bool nowait = false);
  // Asks the page cache to start reading chunk id's data in the background
  // (posix_fadvise WILLNEED), so that an OpenFileVerified and sendfile of it
  // soon after find it cached: a big verified GET hints the next chunk while
  // it sends this one. Best effort: nothing on stores without local files, and
  // failures are left to the OpenFile that follows.
  void WillNeed(const ChunkId& id);
  // Writes and removes a probe object: proves the backend is writable (/readyz).
  Status CheckWritable();
  ChunkStoreStats Stats() const;

  static constexpr uint64_t kMaxChunkSize = 64ULL << 20;

 private:
  struct Counters;
  Result<ChunkId> PutHashFirst(std::string_view data);
  Result<ChunkId> PutOverlapped(std::string_view data);
  // Whether name holds a complete frame for data_size bytes of data.
  Result<bool> HasFrame(const std::string& name, uint64_t data_size);
  // Get and GetRange: read() once, twice after dropping a damaged cached
  // copy; counted.
  template <typename T>
  Result<T> Verified(const ChunkId& id, const std::function<Result<T>()>& read);
  Result<SharedBytes> ReadWhole(const ChunkId& id);
  Result<std::string> ReadRange(const ChunkId& id, uint64_t offset, uint64_t length);
  // The chunk's file and header, kept open (open_chunks_) or opened now.
  // Errors are not counted.
  Result<std::shared_ptr<const OpenChunk>> Open(const ChunkId& id, bool nowait);
  // A staged object holding the durable frame of data (unnamed yet).
  Result<std::unique_ptr<PendingObject>> StageFrame(std::string_view data);

  // Fixed at construction.
  const ChunkStoreOptions options_;
  const std::unique_ptr<Backend> backend_;
  const std::unique_ptr<Counters> counters_;
  const std::unique_ptr<OpenChunks> open_chunks_;
  const std::unique_ptr<HashPool> hash_pool_;  // null when options_.hash_threads == 0
};

}  // namespace nasd::chunk
