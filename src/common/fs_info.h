// What filesystem a path lives on, and how much room it has (statfs).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace nasd {

struct FsInfo {
  std::string type;  // "ext4", "xfs", "btrfs", "tmpfs", "nfs", ... or "unknown (0x...)"
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;  // available to unprivileged users
  bool volatile_memory = false;  // tmpfs/ramfs: contents vanish on reboot
  bool network = false;          // nfs, cifs, fuse-based network mounts ...
};

Result<FsInfo> StatFs(const std::string& path);

}  // namespace nasd
