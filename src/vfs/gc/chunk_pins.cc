#include "vfs/gc/chunk_pins.h"

#include <functional>

namespace nasd::vfs::gc {
namespace {

std::string_view Raw(const chunk::ChunkId& id) {
  return std::string_view(reinterpret_cast<const char*>(id.bytes().data()), id.bytes().size());
}

}  // namespace

ChunkPins::Stripe& ChunkPins::StripeOf(std::string_view raw_id) {
  return stripes_[std::hash<std::string_view>{}(raw_id) % kStripes];
}

Result<chunk::ChunkId> ChunkPins::Put(chunk::ChunkStore& chunks, std::string_view bytes) {
  std::shared_lock fence(fence_);
  NASD_ASSIGN_OR_RETURN(chunk::ChunkId id, chunks.Put(bytes));
  Stripe& s = StripeOf(Raw(id));
  std::lock_guard lock(s.mu);
  ++s.count[std::string(Raw(id))];
  return id;
}

void ChunkPins::Unpin(const chunk::ChunkId& id) { Unpin(Raw(id)); }

void ChunkPins::Unpin(std::string_view raw_id) {
  Stripe& s = StripeOf(raw_id);
  std::lock_guard lock(s.mu);
  auto it = s.count.find(std::string(raw_id));
  if (it != s.count.end() && --it->second <= 0) s.count.erase(it);
}

bool ChunkPins::Pinned(std::string_view raw_id) {
  Stripe& s = StripeOf(raw_id);
  std::lock_guard lock(s.mu);
  return s.count.contains(std::string(raw_id));
}

ChunkPins& ProcessPins() {
  static ChunkPins* pins = new ChunkPins();  // never destroyed: used until exit
  return *pins;
}

Result<chunk::ChunkId> PinSet::Put(chunk::ChunkStore& chunks, std::string_view bytes) {
  NASD_ASSIGN_OR_RETURN(chunk::ChunkId id, ProcessPins().Put(chunks, bytes));
  ids_.push_back(id);
  return id;
}

void PinSet::Release() {
  for (const chunk::ChunkId& id : ids_) ProcessPins().Unpin(id);
  ids_.clear();
}

}  // namespace nasd::vfs::gc
