#include "nfs/export_table.h"

#include <optional>

#include <fmt/format.h>

namespace nasd::nfs {

ExportTable::ExportTable(std::vector<Export> exports, MountFn mount)
    : exports_(std::move(exports)), mount_(std::move(mount)) {}

Result<ExportTable::Opened> ExportTable::OpenByName(std::string_view share) {
  for (size_t i = 0; i < exports_.size(); ++i) {
    if (exports_[i].share != share) continue;
    NASD_ASSIGN_OR_RETURN(auto fs, mount_(share));
    std::lock_guard lock(mu_);
    by_id_[fs->share_id()] = Known{i, fs};
    return Opened{&exports_[i], std::move(fs)};
  }
  return NotFound(fmt::format("share '{}' is not exported", share));
}

Result<ExportTable::Opened> ExportTable::OpenById(uint64_t share_id) {
  std::optional<size_t> index;
  {
    std::lock_guard lock(mu_);
    auto it = by_id_.find(share_id);
    if (it != by_id_.end()) {
      if (auto fs = it->second.fs.lock()) return Opened{&exports_[it->second.index], std::move(fs)};
      index = it->second.index;
    }
  }
  if (index) {
    // A share deleted and re-created under the same name has a new id.
    auto opened = OpenByName(exports_[*index].share);
    if (opened.ok() && opened->fs->share_id() == share_id) return opened;
  }
  // After a restart handles arrive before any MNT: learn the ids.
  for (const Export& e : exports_) {
    auto opened = OpenByName(e.share);
    if (opened.ok() && opened->fs->share_id() == share_id) return opened;
  }
  return Status(Code::kStale, fmt::format("share id {} is not exported", share_id));
}

}  // namespace nasd::nfs
