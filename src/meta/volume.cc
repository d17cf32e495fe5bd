#include "meta/volume.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/random.h"
#include "kv/retry.h"
#include "meta/keys.h"

namespace nasd::meta {

std::string EncodeVolume(const VolumeInfo& v) {
  return nlohmann::json{{"volume_id", v.volume_id},
                        {"format_version", v.format_version},
                        {"block_size", v.block_size},
                        {"created_ns", v.created_ns}}
      .dump();
}

Result<VolumeInfo> DecodeVolume(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j["volume_id"].is_string() ||
      !j["format_version"].is_number_unsigned() || !j["block_size"].is_number_unsigned() ||
      !j["created_ns"].is_number_integer()) {
    return Corruption("volume record is malformed");
  }
  VolumeInfo v{j["volume_id"].get<std::string>(), j["format_version"].get<uint32_t>(),
               j["block_size"].get<uint64_t>(), j["created_ns"].get<int64_t>()};
  if (v.format_version != kFormatVersion) {
    return FailedPrecondition(fmt::format("volume format version {} is not supported by this nasd (expects {})",
                                          v.format_version, kFormatVersion));
  }
  return v;
}

Result<std::optional<VolumeInfo>> LoadVolume(kv::KvEngine& kv) {
  NASD_ASSIGN_OR_RETURN(auto value, kv.Get(keys::kVolume));
  if (!value) return std::optional<VolumeInfo>();
  NASD_ASSIGN_OR_RETURN(auto info, DecodeVolume(*value));
  return std::optional<VolumeInfo>(std::move(info));
}

Status StampVolume(kv::KvEngine& kv, const VolumeInfo& info) {
  return kv::RunTransaction(kv, [&](kv::Transaction& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(auto value, txn.Get(keys::kVolume));
    if (value) {
      NASD_ASSIGN_OR_RETURN(auto existing, DecodeVolume(*value));
      if (existing.volume_id != info.volume_id) {
        return AlreadyExists(fmt::format("metadata already belongs to volume {}", existing.volume_id));
      }
    }
    txn.Put(keys::kVolume, EncodeVolume(info));
    return Status::Ok();
  });
}

std::string NewVolumeId() { return RandomHex(16); }

}  // namespace nasd::meta
