// LockTable: the WebDAV write locks of every share, in memory.
//
// Locks live only as long as the process: a restart forgets them (clients
// then see their tokens rejected with 412 and lock again). A lock is held on
// a path (RFC 4918 locks URLs, not inodes); depth infinity covers the whole
// subtree. Exclusive locks conflict with any other lock they would overlap;
// shared locks conflict only with exclusive ones. Expired locks are dropped
// lazily on every call. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/thread_annotations.h"
#include "webdav/dav_path.h"

namespace nasd::webdav {

inline constexpr std::chrono::seconds kMaxLockTimeout{3600};

struct Lock {
  std::string token;  // "opaquelocktoken:<uuid>"
  DavPath root;
  bool exclusive = true;
  bool infinite = false;  // Depth: infinity
  std::string owner_xml;  // the DAV:owner element as sent, or ""
  std::string principal;  // authenticated user that created it
  std::chrono::seconds timeout{0};
  std::chrono::steady_clock::time_point expires;

  bool Covers(const DavPath& path) const {
    return path == root || (infinite && path.IsWithin(root));
  }
};

class LockTable {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  explicit LockTable(Clock clock = nullptr);

  // A new lock; kBusy when it conflicts with a lock on path, an ancestor
  // with depth infinity, or (for infinite locks) a descendant.
  Result<Lock> Create(uint64_t share, Lock lock);
  // Restarts the timer of the lock with this token that covers path;
  // kNotFound if there is none.
  Result<Lock> Refresh(uint64_t share, const DavPath& path, const std::string& token,
                       std::chrono::seconds timeout);
  // Removes the lock with this token if it covers path; kNotFound otherwise.
  Status Unlock(uint64_t share, const DavPath& path, const std::string& token);
  // Locks that cover path.
  std::vector<Lock> Covering(uint64_t share, const DavPath& path);
  // Locks that cover path or any path below it.
  std::vector<Lock> CoveringTree(uint64_t share, const DavPath& path);
  // Drops the locks rooted at path or below (after DELETE or MOVE).
  void RemoveTree(uint64_t share, const DavPath& path);

  static std::string NewToken();

 private:
  void ExpireLocked(uint64_t share) REQUIRES(mu_);

  Clock clock_;
  std::mutex mu_;
  std::map<uint64_t, std::vector<Lock>> locks_ GUARDED_BY(mu_);
};

}  // namespace nasd::webdav
