// ShareMounts: the one Filesystem of each share, shared by every protocol
// adapter of a server (WebDAV, NFS, FUSE/SMB), so they all see one set of
// write-back buffers. The Filesystems share one memory budget for buffered
// writes and one read cache.
//
// Thread-safe. kv and chunks must outlive it; destroying it commits every
// buffered write.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/thread_annotations.h"
#include "vfs/filesystem.h"

namespace nasd::vfs {

struct ShareMountsOptions {
  FilesystemOptions filesystem;  // dirty_budget and cache are filled in
  uint64_t dirty_budget_bytes = 256ULL << 20;
  uint64_t cache_bytes = 256ULL << 20;
  int readahead_threads = data::BlockCacheOptions{}.readahead_threads;  // of the read cache
};

class ShareMounts {
 public:
  ShareMounts(kv::KvEngine& kv, chunk::ChunkStore& chunks, ShareMountsOptions options = {});
  ~ShareMounts();

  // The share's Filesystem, opened on first use. kNotFound for no such share.
  // Names are remembered (no KV read once open), so a share deleted must be
  // reported with Forget.
  Result<std::shared_ptr<Filesystem>> Get(std::string_view share_name);
  // Drops the Filesystem of a deleted share (committing its buffers) and its
  // name.
  void Forget(uint64_t share_id);
  // Commits every buffered write of every share; the first error is returned.
  Status FlushAll();

  data::BlockCache& cache() { return *options_.filesystem.cache; }
  DirtyBudget& budget() { return *options_.filesystem.dirty_budget; }

 private:
  kv::KvEngine& kv_;
  chunk::ChunkStore& chunks_;
  ShareMountsOptions options_;
  std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<Filesystem>> open_ GUARDED_BY(mu_);
  std::map<std::string, uint64_t, std::less<>> ids_ GUARDED_BY(mu_);  // names of open_
};

}  // namespace nasd::vfs
