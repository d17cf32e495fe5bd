// The on-disk layout of a volume under storage.path:
//   VOLUME    volume identity (JSON, same record as the KV's), written last at
//             init, so its presence means the volume is complete
//   meta/     RocksDB metadata store
//   chunks/   local chunk backend (two-level fan-out)
// See docs/format/layout.md.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "meta/volume.h"

namespace nasd::cli {

std::string VolumeFilePath(const std::string& storage_path);
std::string MetaPath(const std::string& storage_path);
std::string ChunksPath(const std::string& storage_path);

// nullopt if storage_path holds no VOLUME file; kCorruption if it is unreadable.
Result<std::optional<meta::VolumeInfo>> ReadVolumeFile(const std::string& storage_path);

// Creates the layout for a new volume (or completes one that a crash
// interrupted before VOLUME was written): chunk folder, metadata store with
// the volume stamp, then VOLUME. Never deletes anything.
Status CreateVolume(const std::string& storage_path, const meta::VolumeInfo& info);

}  // namespace nasd::cli
