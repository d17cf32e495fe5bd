#include "webdav/lock_table.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/random.h"

namespace nasd::webdav {
namespace {

bool Overlap(const Lock& a, const DavPath& path, bool infinite) {
  return a.Covers(path) || (infinite && a.root.IsWithin(path));
}

}  // namespace

LockTable::LockTable(Clock clock) : clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
}

std::string LockTable::NewToken() {
  std::string h = RandomHex(16);
  return fmt::format("opaquelocktoken:{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4),
                     h.substr(12, 4), h.substr(16, 4), h.substr(20, 12));
}

void LockTable::ExpireLocked(uint64_t share) {
  auto it = locks_.find(share);
  if (it == locks_.end()) return;
  auto now = clock_();
  std::erase_if(it->second, [now](const Lock& l) { return l.expires <= now; });
}

Result<Lock> LockTable::Create(uint64_t share, Lock lock) {
  std::lock_guard g(mu_);
  ExpireLocked(share);
  auto& list = locks_[share];
  for (const auto& l : list) {
    if (Overlap(l, lock.root, lock.infinite) && (l.exclusive || lock.exclusive)) {
      return Status(Code::kBusy, "the resource is locked");
    }
  }
  if (lock.token.empty()) lock.token = NewToken();
  lock.timeout = std::min(lock.timeout, kMaxLockTimeout);
  lock.expires = clock_() + lock.timeout;
  list.push_back(lock);
  return lock;
}

Result<Lock> LockTable::Refresh(uint64_t share, const DavPath& path, const std::string& token,
                                std::chrono::seconds timeout) {
  std::lock_guard g(mu_);
  ExpireLocked(share);
  for (auto& l : locks_[share]) {
    if (l.token == token && l.Covers(path)) {
      l.timeout = std::min(timeout, kMaxLockTimeout);
      l.expires = clock_() + l.timeout;
      return l;
    }
  }
  return NotFound("no such lock on this resource");
}

Status LockTable::Unlock(uint64_t share, const DavPath& path, const std::string& token) {
  std::lock_guard g(mu_);
  ExpireLocked(share);
  auto& list = locks_[share];
  auto it = std::find_if(list.begin(), list.end(),
                         [&](const Lock& l) { return l.token == token && l.Covers(path); });
  if (it == list.end()) return NotFound("no such lock on this resource");
  list.erase(it);
  return Status::Ok();
}

std::vector<Lock> LockTable::Covering(uint64_t share, const DavPath& path) {
  std::lock_guard g(mu_);
  ExpireLocked(share);
  std::vector<Lock> out;
  for (const auto& l : locks_[share]) {
    if (l.Covers(path)) out.push_back(l);
  }
  return out;
}

std::vector<Lock> LockTable::CoveringTree(uint64_t share, const DavPath& path) {
  std::lock_guard g(mu_);
  ExpireLocked(share);
  std::vector<Lock> out;
  for (const auto& l : locks_[share]) {
    if (Overlap(l, path, /*infinite=*/true)) out.push_back(l);
  }
  return out;
}

void LockTable::RemoveTree(uint64_t share, const DavPath& path) {
  std::lock_guard g(mu_);
  auto it = locks_.find(share);
  if (it == locks_.end()) return;
  std::erase_if(it->second, [&](const Lock& l) { return l.root.IsWithin(path); });
}

}  // namespace nasd::webdav
