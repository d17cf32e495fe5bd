// FanoutTree: the directory tree where the local backend keeps objects
// (docs/format/chunk.md, "Local backend layout"):
//
//   root/ab/cd/<name>   names whose first four characters are [0-9a-z]
//   root/_/<name>       every other name
//
// It maps names to paths, creates fan-out directories, makes their entries
// durable, and walks the tree. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "common/status.h"
#include "common/thread_annotations.h"

namespace nasd::chunk {

class FanoutTree {
 public:
  explicit FanoutTree(std::string root) : root_(std::move(root)) {}

  const std::string& root() const { return root_; }
  std::string DirOf(std::string_view name) const;
  std::string PathOf(std::string_view name) const;

  // REQUIRES: root exists. Creates root/_ and makes every existing directory
  // entry durable: fsyncs root and each existing first-level directory (one
  // fsync per directory, at most 1296), so directories a crashed process left
  // behind are safe to put objects into.
  Status Open();

  // Fan-out directories of one name, and which entries are not yet durable.
  struct Pending {
    std::string level1, level2;
    bool sync_root = false;    // level1's entry in root
    bool sync_level1 = false;  // level2's entry in level1
  };
  // Creates the fan-out directories of name if missing; *pending says which
  // parents SyncParents must fsync before a put into them is acknowledged.
  Status MakeDirs(std::string_view name, Pending* pending);
  // Fsyncs the parents MakeDirs reported. Called after the object and its own
  // directory are synced, so a put costs no extra fsync before its data.
  Status SyncParents(const Pending& pending);

  // Visits every object file (name, size); fn returns false to stop. Only
  // regular files with a valid object name that maps back to their directory
  // are objects. Objects created or deleted during the walk may be missed.
  Status Walk(const std::function<bool(std::string_view name, uint64_t size)>& fn) const;

 private:
  Status WalkLeaf(const std::string& dir, std::string_view prefix, bool* stop,
                  const std::function<bool(std::string_view, uint64_t)>& fn) const;

  const std::string root_;
  std::mutex mu_;
  std::unordered_set<std::string> durable_ GUARDED_BY(mu_);  // directories with durable entries
};

}  // namespace nasd::chunk
