#include "vfs/write_back.h"

namespace nasd::vfs {

std::shared_ptr<DirtyFile> WriteBack::Find(uint64_t ino) {
  std::lock_guard lock(mu_);
  auto it = files_.find(ino);
  return it == files_.end() ? nullptr : it->second;
}

std::shared_ptr<DirtyFile> WriteBack::FindOrCreate(uint64_t ino) {
  std::lock_guard lock(mu_);
  auto& slot = files_[ino];
  if (!slot) slot = std::make_shared<DirtyFile>(block_size_, uploads_);
  return slot;
}

void WriteBack::Remove(uint64_t ino, DirtyFile& df) {
  budget_->Charge(-static_cast<int64_t>(df.charged));
  df.charged = 0;
  df.removed = true;
  std::lock_guard lock(mu_);
  auto it = files_.find(ino);
  if (it != files_.end() && it->second.get() == &df) files_.erase(it);
  ++removals_;
}

uint64_t WriteBack::Removals() {
  std::lock_guard lock(mu_);
  return removals_;
}

bool WriteBack::CleanSince(uint64_t ino, uint64_t removals) {
  std::lock_guard lock(mu_);
  return removals_ == removals && !files_.contains(ino);
}

std::vector<uint64_t> WriteBack::Inodes() {
  std::lock_guard lock(mu_);
  std::vector<uint64_t> out;
  out.reserve(files_.size());
  for (const auto& [ino, df] : files_) out.push_back(ino);
  return out;
}

void WriteBack::Recharge(DirtyFile& df) {
  const uint64_t now = df.writes.bytes();
  budget_->Charge(static_cast<int64_t>(now) - static_cast<int64_t>(df.charged));
  df.charged = now;
}

}  // namespace nasd::vfs
