// InodeAllocator: hands out a share's inode numbers. 64-bit, never reused
// within the share: numbers are reserved in durable batches (one KV
// transaction on the share's allocator key) before any is handed out, so a
// restart skips the unused rest of a batch instead of reusing it.
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>

#include "common/status.h"
#include "common/thread_annotations.h"
#include "kv/kv_engine.h"

namespace nasd::meta {

// The root directory's inode; allocation starts after it.
inline constexpr uint64_t kRootInode = 1;

class InodeAllocator {
 public:
  InodeAllocator(kv::KvEngine& kv, uint64_t share_id, uint64_t batch = 1024)
      : kv_(kv), share_id_(share_id), batch_(batch) {}

  // A fresh inode number. Fails only if reserving a new batch fails.
  Result<uint64_t> Next();
  // Inode numbers reserved so far, by any process (an upper bound of the
  // inodes in use): read from the KV.
  Result<uint64_t> Reserved();

 private:
  kv::KvEngine& kv_;
  const uint64_t share_id_;
  const uint64_t batch_;
  std::mutex mu_;
  uint64_t next_ GUARDED_BY(mu_) = 0;
  uint64_t limit_ GUARDED_BY(mu_) = 0;  // next_ < limit_ are reserved for us
};

}  // namespace nasd::meta
