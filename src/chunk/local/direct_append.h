// Big appends to chunk files bypass the page cache.
//
// A chunk file is written once and fsynced at once, and most reads go
// through the store's own block cache: a page-cache copy of it is a second,
// late copy of bytes the disk gets anyway (a later sendfile reads it in). Appending through O_DIRECT sends the bytes from
// a reused staging buffer to the disk without that copy and without
// allocating page-cache pages for them (on a virtual machine, fresh pages are
// the dearest part: a buffered 4 MiB write + fdatasync ran at 360-900 MiB/s
// here, a direct one at 1 600-1 850 MiB/s).
//
// Only the aligned prefix of an append goes direct; the tail (under one
// alignment unit) and everything a filesystem without O_DIRECT support gets
// are written through the page cache as before. The file's bytes are the
// same either way, and Sync/fsync makes both durable.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/thread_annotations.h"

namespace nasd::chunk {

// Offsets, lengths and buffer addresses of direct writes are multiples of
// this (it covers 512-byte and 4 KiB logical blocks).
inline constexpr size_t kDirectAlign = 4096;
// Appends shorter than this stay buffered: small chunks are often read back
// soon, and their page-cache copy is cheap.
inline constexpr size_t kDirectMinBytes = 256 << 10;

// Aligned staging buffers, reused so that their pages stay mapped: taking
// a fresh buffer for every chunk would fault in the very pages the direct
// path saves.
class StagingPool {
 public:
  static constexpr size_t kBufferBytes = 4 << 20;

  explicit StagingPool(size_t keep) : keep_(keep) {}

  struct Free {
    void operator()(char* p) const;
  };
  using Buffer = std::unique_ptr<char, Free>;

  // A buffer of kBufferBytes aligned to kDirectAlign; nullptr when memory is
  // short (the caller writes buffered).
  Buffer Take();
  // Keeps the buffer for the next Take, up to `keep` of them.
  void Give(Buffer buffer);

 private:
  const size_t keep_;
  std::mutex mu_;
  std::vector<Buffer> free_ GUARDED_BY(mu_);
};

struct DirectAppendResult {
  size_t direct_bytes = 0;   // written with O_DIRECT
  bool unsupported = false;  // the file system refused O_DIRECT: stop trying
};

// Appends all of parts at fd's current offset, which is a multiple of
// kDirectAlign: the aligned prefix through O_DIRECT via pool's buffers, the
// rest buffered. fd is left without O_DIRECT. On failure the file holds an
// unknown prefix of the bytes (as after a failed WriteFull).
Result<DirectAppendResult> AppendDirect(int fd, std::span<const std::string_view> parts,
                                        StagingPool& pool, std::string_view path);

}  // namespace nasd::chunk
