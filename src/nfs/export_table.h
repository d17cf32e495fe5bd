// The shares exported over NFS and their Filesystems: looked up by name
// (MOUNT) or by the share id inside a file handle (every NFS call).
//
// Thread-safe. Filesystems come from the mount function (the server's
// vfs::ShareMounts), opened on first use and shared with the other protocols.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/thread_annotations.h"
#include "nfs/exports.h"
#include "vfs/filesystem.h"

namespace nasd::nfs {

struct Export {
  std::string share;  // mounted as "/<share>"
  ExportRules rules;
  std::vector<std::string> network_text;  // rules.networks as configured, for MOUNT EXPORT
};

using MountFn = std::function<Result<std::shared_ptr<vfs::Filesystem>>(std::string_view share)>;

class ExportTable {
 public:
  ExportTable(std::vector<Export> exports, MountFn mount);

  const std::vector<Export>& exports() const { return exports_; }

  struct Opened {
    const Export* exp = nullptr;
    std::shared_ptr<vfs::Filesystem> fs;
  };
  // The export named by share (kNotFound if not exported) and its Filesystem.
  Result<Opened> OpenByName(std::string_view share);
  // The export holding this share id; kStale if none does (any more).
  Result<Opened> OpenById(uint64_t share_id);

 private:
  const std::vector<Export> exports_;
  const MountFn mount_;
  // What a share id resolved to. The Filesystem is held weakly: every call
  // of a handle skips the share lookup by name while the share is mounted,
  // and a deleted share (ShareMounts::Forget) is looked up again.
  struct Known {
    size_t index;  // in exports_
    std::weak_ptr<vfs::Filesystem> fs;
  };
  std::mutex mu_;
  std::map<uint64_t, Known> by_id_ GUARDED_BY(mu_);
};

}  // namespace nasd::nfs
