#include "vfs/open_files.h"

namespace nasd::vfs {

void OpenFiles::Retain(uint64_t ino) {
  std::lock_guard lock(mu_);
  ++counts_[ino];
}

bool OpenFiles::Release(uint64_t ino) {
  std::lock_guard lock(mu_);
  auto it = counts_.find(ino);
  if (it == counts_.end()) return false;  // not open: a stray release
  if (--it->second > 0) return false;
  counts_.erase(it);
  return orphans_.erase(ino) > 0;
}

bool OpenFiles::IsOpen(uint64_t ino) const {
  std::lock_guard lock(mu_);
  return counts_.contains(ino);
}

void OpenFiles::MarkOrphan(uint64_t ino) {
  std::lock_guard lock(mu_);
  orphans_.insert(ino);
}

std::vector<uint64_t> OpenFiles::TakeClosedOrphans() {
  std::lock_guard lock(mu_);
  std::vector<uint64_t> out;
  for (auto it = orphans_.begin(); it != orphans_.end();) {
    if (counts_.contains(*it)) {
      ++it;
      continue;
    }
    out.push_back(*it);
    it = orphans_.erase(it);
  }
  return out;
}

}  // namespace nasd::vfs
