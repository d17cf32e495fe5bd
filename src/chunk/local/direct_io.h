// Big chunk files are written and read bypassing the page cache.
//
// A chunk file is written once and fsynced at once, and most reads go
// through the store's own block cache: a page-cache copy of it is a second,
// late copy of bytes the disk gets anyway (a later sendfile reads it in).
// Appending through O_DIRECT sends the bytes from a reused staging buffer to
// the disk without that copy and without allocating page-cache pages for them
// (on a virtual machine, fresh pages are the dearest part: a buffered 4 MiB
// write + fdatasync ran at 360-900 MiB/s here, a direct one at
// 1 600-1 850 MiB/s). Whole-chunk reads for the block cache come the same way
// into pooled aligned buffers, which the cache then holds: the disk's bytes
// land once, where they are used.
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
// Appends and whole reads shorter than this stay buffered: small chunks are
// often read back soon, and their page-cache copy is cheap.
inline constexpr size_t kDirectMinBytes = 256 << 10;

inline constexpr size_t RoundUpToDirectAlign(size_t n) {
  return (n + kDirectAlign - 1) / kDirectAlign * kDirectAlign;
}

// Aligned staging buffers, reused so that their pages stay mapped: taking
// a fresh buffer for every chunk would fault in the very pages the direct
// path saves.
class StagingPool {
 public:
  // Holds a whole frame of a default 4 MiB chunk (its header is a few
  // hundred bytes).
  static constexpr size_t kBufferBytes = (4 << 20) + (64 << 10);

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
  // A buffer of at least size bytes aligned to kDirectAlign, shared: pool's
  // when size fills more than half of one (it goes back to pool when the
  // last owner lets go), a fresh one of the size rounded up otherwise, so
  // that a cache holding it holds little more than size. nullptr when memory
  // is short.
  static std::shared_ptr<char> TakeShared(const std::shared_ptr<StagingPool>& pool, size_t size);

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

// Reads bytes [0, length) of fd into buf (aligned to kDirectAlign, room for
// RoundUpToDirectAlign(length) bytes) through O_DIRECT. Returns how many it
// read: length, or fewer at the end of the file, or where going on direct is
// impossible (EINVAL on the first read: *refused; a short read that ended off
// the alignment). Leaves O_DIRECT set on fd, unless it returned short of
// length: then the rest can be read buffered.
Result<size_t> ReadDirect(int fd, char* buf, size_t length, bool* refused, std::string_view path);

}  // namespace nasd::chunk
