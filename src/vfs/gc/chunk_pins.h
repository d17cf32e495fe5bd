// ChunkPins: keeps the garbage collector off chunks that writers of this
// process have stored (or found already stored) but not yet referenced.
//
// The race it closes: a writer's ChunkStore::Put of bytes whose chunk exists
// is a no-op (deduplication), so if the collector deleted that chunk between
// the Put and the writer's commit, the committed block would name a missing
// chunk. Every Put that leads to a reference goes through Put() below, which
// runs under a shared fence and pins the chunk before the fence is released;
// the collector deletes only under the exclusive fence and never a pinned
// chunk (collector.h). So a writer's Put either completed before the
// collector looked (the chunk is pinned and skipped) or starts after the
// delete finished (and stores the chunk again).
//
// A pin must last until the writer's transaction has read the chunk's 'Z'
// record (meta::AddChunkRef does when the count rises from zero): from then
// on a collector that removes 'Z' makes that transaction conflict, and the
// retry stores the chunk again (or still holds its pin). Callers unpin after
// that point, or after the commit.
//
// Pins describe this process's writers only, which is enough: one process
// owns a volume (the KV's lock). ProcessPins() is that process's instance.
// Thread-safe.
#pragma once

#include <array>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "chunk/chunk_store.h"
#include "common/status.h"
#include "common/thread_annotations.h"

namespace nasd::vfs::gc {

class ChunkPins {
 public:
  // ChunkStore::Put, with the chunk pinned when it returns ok. Waits while
  // the collector is deleting chunks.
  Result<chunk::ChunkId> Put(chunk::ChunkStore& chunks, std::string_view bytes);
  void Unpin(const chunk::ChunkId& id);
  void Unpin(std::string_view raw_id);
  bool Pinned(std::string_view raw_id);

  // Held by the collector while it checks pins and deletes chunks.
  std::unique_lock<std::shared_mutex> Exclusive() { return std::unique_lock(fence_); }

 private:
  static constexpr size_t kStripes = 64;
  struct Stripe {
    std::mutex mu;
    std::unordered_map<std::string, int> count GUARDED_BY(mu);
  };
  Stripe& StripeOf(std::string_view raw_id);

  std::shared_mutex fence_;
  std::array<Stripe, kStripes> stripes_;
};

ChunkPins& ProcessPins();

// The chunks one writer pinned, unpinned together (on Release or destruction).
class PinSet {
 public:
  PinSet() = default;
  ~PinSet() { Release(); }
  PinSet(const PinSet&) = delete;
  PinSet& operator=(const PinSet&) = delete;
  // Stores bytes through ProcessPins() and keeps the pin.
  Result<chunk::ChunkId> Put(chunk::ChunkStore& chunks, std::string_view bytes);
  // Takes over a pin made by ProcessPins().Put().
  void Adopt(const chunk::ChunkId& id) { ids_.push_back(id); }
  void Release();

 private:
  std::vector<chunk::ChunkId> ids_;
};

}  // namespace nasd::vfs::gc
