// The volume record: identity and fixed parameters of one nasd volume,
// stamped into the KV at `nasd init` and checked at every start, so a config
// can never silently point at another volume's metadata.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "kv/kv_engine.h"

namespace nasd::meta {

inline constexpr uint32_t kFormatVersion = 1;

struct VolumeInfo {
  std::string volume_id;  // 32 hex characters, random at init
  uint32_t format_version = kFormatVersion;
  uint64_t block_size = 0;
  int64_t created_ns = 0;
};

std::string EncodeVolume(const VolumeInfo& v);
Result<VolumeInfo> DecodeVolume(std::string_view text);

// nullopt when the KV holds no volume record yet.
Result<std::optional<VolumeInfo>> LoadVolume(kv::KvEngine& kv);
// Writes the record durably. kAlreadyExists if a record with another id exists.
Status StampVolume(kv::KvEngine& kv, const VolumeInfo& info);

// A fresh random volume id (32 lowercase hex characters).
std::string NewVolumeId();

}  // namespace nasd::meta
