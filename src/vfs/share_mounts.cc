#include "vfs/share_mounts.h"

#include <algorithm>

#include "meta/share_store.h"

namespace nasd::vfs {

ShareMounts::ShareMounts(kv::KvEngine& kv, chunk::ChunkStore& chunks, ShareMountsOptions options)
    : kv_(kv), chunks_(chunks), options_(std::move(options)) {
  if (!options_.filesystem.dirty_budget) {
    options_.filesystem.dirty_budget = std::make_shared<DirtyBudget>(options_.dirty_budget_bytes);
  }
  if (!options_.filesystem.cache) {
    options_.filesystem.cache = std::make_shared<data::BlockCache>(
        chunks_, data::BlockCacheOptions{.capacity_bytes = options_.cache_bytes,
                                          .readahead_threads = options_.readahead_threads,
                                          .max_queued = std::max<size_t>(16, 2 * options_.filesystem.readahead_blocks)});
  }
}

ShareMounts::~ShareMounts() {
  std::lock_guard lock(mu_);
  open_.clear();  // each Filesystem commits its buffers as it goes
}

Result<std::shared_ptr<Filesystem>> ShareMounts::Get(std::string_view share_name) {
  {
    std::lock_guard lock(mu_);
    if (auto id = ids_.find(share_name); id != ids_.end()) return open_.at(id->second);
  }
  meta::ShareStore shares(kv_);
  NASD_ASSIGN_OR_RETURN(meta::ShareInfo share, shares.Get(share_name));
  std::lock_guard lock(mu_);
  auto it = open_.find(share.id);
  if (it == open_.end()) {
    NASD_ASSIGN_OR_RETURN(std::unique_ptr<Filesystem> fs,
                          Filesystem::OpenById(kv_, chunks_, share.id, options_.filesystem));
    it = open_.emplace(share.id, std::move(fs)).first;
  }
  ids_.emplace(share.name, share.id);
  return it->second;
}

void ShareMounts::Forget(uint64_t share_id) {
  std::shared_ptr<Filesystem> doomed;
  std::lock_guard lock(mu_);
  std::erase_if(ids_, [share_id](const auto& entry) { return entry.second == share_id; });
  auto it = open_.find(share_id);
  if (it == open_.end()) return;
  doomed = std::move(it->second);
  open_.erase(it);
}

Status ShareMounts::FlushAll() {
  std::vector<std::shared_ptr<Filesystem>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, fs] : open_) all.push_back(fs);
  }
  Status first;
  for (auto& fs : all) {
    Status st = fs->FlushAll();
    if (first.ok() && !st.ok()) first = st;
  }
  return first;
}

}  // namespace nasd::vfs
