#include "cli/storage_layout.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "chunk/local/local_backend.h"
#include "kv/rocksdb/rocksdb_engine.h"

namespace nasd::cli {
namespace {

Status FsyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, fmt::format("open {}", path));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus(err, fmt::format("fsync {}", path));
  return Status::Ok();
}

}  // namespace

std::string VolumeFilePath(const std::string& p) { return p + "/VOLUME"; }
std::string MetaPath(const std::string& p) { return p + "/meta"; }
std::string ChunksPath(const std::string& p) { return p + "/chunks"; }

Status WriteFileDurably(const std::string& path, std::string_view data, int mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoStatus(errno, fmt::format("create {}", tmp));
  // O_CREAT does not change the mode of an existing file; enforce it.
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus(err, fmt::format("chmod {}", tmp));
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus(err, fmt::format("write {}", tmp));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus(err, fmt::format("fsync {}", tmp));
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus(errno, fmt::format("rename to {}", path));
  std::string dir = std::filesystem::path(path).parent_path().string();
  return FsyncPath(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY);
}

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
  return WriteFileDurably(VolumeFilePath(storage_path), meta::EncodeVolume(info) + "\n", 0644);
}

}  // namespace nasd::cli
