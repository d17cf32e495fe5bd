// OpenChunks: the local files of recently opened chunks, kept open with their
// decoded headers, so that a range read of a chunk (a Range GET, a sendfile
// of part of a big GET) costs no open(2), no header read and no decode.
//
// A chunk never changes once it is complete (ChunkStore::Put never rewrites
// one), so an entry is never stale. Deleting a chunk drops its entry, so that
// the file's space is freed; so does a failed check of its data.
//
// Thread-safe. Entries are shared: one evicted while a reader uses it stays
// open until that reader lets go.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "chunk/chunk_format.h"
#include "chunk/chunk_store.h"
#include "common/posix_io.h"
#include "common/thread_annotations.h"

namespace nasd::chunk {

struct OpenChunk {
  posix::UniqueFd fd;
  format::Header header;
};

class OpenChunks {
 public:
  // capacity 0 keeps nothing.
  explicit OpenChunks(size_t capacity) : capacity_(capacity) {}
  OpenChunks(const OpenChunks&) = delete;
  OpenChunks& operator=(const OpenChunks&) = delete;

  // The entry of id, or null.
  std::shared_ptr<const OpenChunk> Find(const ChunkId& id);
  // Keeps chunk as id's entry (a present one stays), evicting the least
  // recently used beyond capacity.
  void Insert(const ChunkId& id, std::shared_ptr<const OpenChunk> chunk);
  void Erase(const ChunkId& id);
  size_t size();

 private:
  struct Hash {
    size_t operator()(const ChunkId& id) const;
  };
  struct Entry {
    std::shared_ptr<const OpenChunk> chunk;
    std::list<ChunkId>::iterator lru;
  };

  const size_t capacity_;
  std::mutex mu_;
  std::unordered_map<ChunkId, Entry, Hash> entries_ GUARDED_BY(mu_);
  std::list<ChunkId> lru_ GUARDED_BY(mu_);  // front: most recent
};

}  // namespace nasd::chunk
