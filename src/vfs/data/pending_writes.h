// PendingWrites: the write-back buffer of one file: bytes written but not yet
// committed to the metadata. Whole blocks are stored as chunks as soon as they
// are complete (so they cost no memory); partially written blocks stay in
// memory with the byte ranges written, and are merged with the committed
// block when the file is flushed (file_data.h, CommitWrites).
//
// Whole blocks are stored on background threads, up to max_in_flight at a
// time per file (FilesystemOptions::write_uploads), so a sequential writer is
// not bound by one chunk write and fsync (or S3 PUT) at a time; Drain() waits
// for them. A store that fails is retried
// once; if it fails again the block stays buffered (as a fully written
// partial block) and Drain reports the error, so nothing is dropped.
//
// Not thread-safe: the owning DirtyFile's mutex guards it.
#pragma once

#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "chunk/chunk_store.h"
#include "common/status.h"
#include "vfs/gc/chunk_pins.h"

namespace nasd::vfs::data {

// A block written only in part: data holds the block's bytes up to the end
// of the last range written; ranges are the written [begin, end) offsets
// within the block, sorted and disjoint.
struct PartialBlock {
  std::string data;
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
};

// A block written in full: its chunk (raw 32-byte id), or a hole if all zero.
struct StoredBlock {
  std::string chunk_id;  // empty: a hole
  uint32_t length = 0;
};

class PendingWrites {
 public:
  // As before the limit was exact: 4 queued and a fifth started while the
  // writer waited for the oldest.
  static constexpr size_t kDefaultInFlight = 5;
  explicit PendingWrites(uint64_t block_size, size_t max_in_flight = kDefaultInFlight)
      : block_size_(block_size), max_in_flight_(max_in_flight) {}
  ~PendingWrites();
  PendingWrites(const PendingWrites&) = delete;
  PendingWrites& operator=(const PendingWrites&) = delete;

  // Buffers data at offset, storing each block it completes in chunks.
  // A block completed on top of an earlier stored one is first read back.
  Status Write(chunk::ChunkStore& chunks, uint64_t offset, std::string_view data);
  // Whether Write of length bytes at offset would wait for the chunk store:
  // it completes a block (which is stored), or touches a block being stored
  // or stored earlier (read back first).
  bool WouldWait(uint64_t offset, uint64_t length) const;
  // Stores every partial block as if the bytes never written were zeros
  // (valid for files whose committed content is empty: temp files).
  Status StoreAll(chunk::ChunkStore& chunks);
  // Waits for every background store. partial() and stored() are complete
  // only after it returned ok.
  Status Drain(chunk::ChunkStore& chunks);

  bool empty() const { return partial_.empty() && stored_.empty() && in_flight_.empty(); }
  // Memory held by partial blocks and blocks being stored.
  uint64_t bytes() const { return bytes_; }
  // One past the last byte written (0 if nothing).
  uint64_t end() const { return end_; }
  uint64_t block_size() const { return block_size_; }
  const std::map<uint64_t, PartialBlock>& partial() const { return partial_; }
  const std::map<uint64_t, StoredBlock>& stored() const { return stored_; }
  void Clear();

 private:
  // Stores a block: at once when it is all zeros or small, else in the
  // background (taking the bytes).
  Status Store(chunk::ChunkStore& chunks, uint64_t block, std::string bytes);
  Status StoreNow(chunk::ChunkStore& chunks, uint64_t block, std::string_view bytes);
  // Waits for the oldest background store.
  Status WaitOne(chunk::ChunkStore& chunks);

  struct InFlight {
    uint64_t block;
    std::shared_ptr<const std::string> bytes;
    std::future<Result<chunk::ChunkId>> put;
  };

  const uint64_t block_size_;
  const size_t max_in_flight_;
  std::deque<InFlight> in_flight_;
  std::map<uint64_t, PartialBlock> partial_;
  std::map<uint64_t, StoredBlock> stored_;
  uint64_t bytes_ = 0;
  uint64_t end_ = 0;
  // Every chunk stored here stays pinned against the collector until Clear()
  // (after the commit that references it) or destruction (vfs/gc/chunk_pins.h).
  gc::PinSet pins_;
};

}  // namespace nasd::vfs::data
