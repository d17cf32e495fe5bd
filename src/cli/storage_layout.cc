#include "cli/storage_layout.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "chunk/local/local_backend.h"
#include "common/posix_io.h"
#include "kv/rocksdb/rocksdb_engine.h"

namespace nasd::cli {

std::string VolumeFilePath(const std::string& p) { return p + "/VOLUME"; }
std::string MetaPath(const std::string& p) { return p + "/meta"; }
std::string ChunksPath(const std::string& p) { return p + "/chunks"; }

Result<std::optional<meta::VolumeInfo>> ReadVolumeFile(const std::string& storage_path) {
  std::string path = VolumeFilePath(storage_path);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::optional<meta::VolumeInfo>();
    return ErrnoStatus(errno, fmt::format("read {}", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto info = meta::DecodeVolume(text.str());
  if (!info.ok()) return info.status().WithContext(path);
  return std::optional<meta::VolumeInfo>(std::move(*info));
}

Status CreateVolume(const std::string& storage_path, const meta::VolumeInfo& info) {
  std::error_code ec;
  std::filesystem::create_directories(storage_path, ec);
  if (ec) return Status(CodeFromErrno(ec.value()), fmt::format("create {}: {}", storage_path, ec.message()));
  auto backend = chunk::OpenLocalBackend(ChunksPath(storage_path));
  if (!backend.ok()) return backend.status().WithContext("create chunk store");
  auto kv = kv::OpenRocksDb(MetaPath(storage_path));
  if (!kv.ok()) return kv.status().WithContext("create metadata store");
  Status st = meta::StampVolume(**kv, info);
  Status closed = (*kv)->Close();
  NASD_RETURN_IF_ERROR(st.WithContext("stamp volume"));
  NASD_RETURN_IF_ERROR(closed.WithContext("close metadata store"));
  return posix::WriteFileDurably(VolumeFilePath(storage_path), meta::EncodeVolume(info) + "\n", 0644);
}

}  // namespace nasd::cli
