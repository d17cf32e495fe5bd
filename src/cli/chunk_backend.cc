#include "cli/chunk_backend.h"

#include <fmt/format.h>

#include <filesystem>

#include "chunk/local/local_backend.h"
#include "chunk/s3/read_cache.h"
#include "chunk/s3/s3_backend.h"
#include "cli/storage_layout.h"
#include "common/logging.h"
#include "common/random.h"

namespace nasd::cli {

Result<chunk::s3::S3Options> S3OptionsFromConfig(const S3Config& s3, const chunk::s3::EnvLookup& env) {
  chunk::s3::S3Options o;
  o.endpoint = s3.endpoint;
  o.region = s3.region;
  o.bucket = s3.bucket;
  o.prefix = s3.prefix;
  o.path_style = s3.path_style;
  o.ca_file = s3.ca_file;
  o.concurrency = static_cast<size_t>(s3.concurrency);
  o.timeout = s3.timeout;
  o.deadline = s3.deadline;
  NASD_ASSIGN_OR_RETURN(o.credentials,
                        chunk::s3::ResolveCredentials({s3.access_key, s3.secret_key, s3.session_token}, env));
  return o;
}

std::string S3CachePath(const std::string& storage_path) { return storage_path + "/s3-cache"; }

namespace {

// With the read cache turned off, a cache folder left by an earlier setting
// would never be read, trimmed or emptied again: it is removed.
void RemoveUnusedCache(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return;
  const std::uintmax_t removed = std::filesystem::remove_all(dir, ec);
  if (ec) {
    log::Warn("s3.read_cache_not_removed").Str("path", dir).Str("error", ec.message());
    return;
  }
  log::Info("s3.read_cache_removed").Str("path", dir).Uint("entries", removed).Str("why", "storage.s3.read_cache is 0");
}

}  // namespace

Result<std::unique_ptr<chunk::Backend>> OpenChunkBackend(const Config& config) {
  if (config.storage.backend == "s3") {
    NASD_ASSIGN_OR_RETURN(chunk::s3::S3Options options, S3OptionsFromConfig(config.storage.s3));
    NASD_ASSIGN_OR_RETURN(auto backend, chunk::OpenS3Backend(options));
    if (config.storage.s3.read_cache == 0) {
      RemoveUnusedCache(S3CachePath(config.storage.path));
      return backend;
    }
    NASD_ASSIGN_OR_RETURN(auto cached, chunk::OpenReadCache(std::move(backend), S3CachePath(config.storage.path),
                                                            config.storage.s3.read_cache));
    return std::unique_ptr<chunk::Backend>(std::move(cached));
  }
  return chunk::OpenLocalBackend(ChunksPath(config.storage.path));
}

Status ProbeBackend(chunk::Backend& backend) {
  const std::string name = "nasd-probe." + RandomHex(8);
  const std::string data = "nasd init probe " + name;
  NASD_RETURN_IF_ERROR(backend.PutObject(name, data).WithContext("write probe object " + name));
  Result<std::string> back = backend.ReadObject(name, 0, data.size());
  if (!back.ok()) return back.status().WithContext("read back probe object " + name);
  if (*back != data) return Corruption(fmt::format("probe object {} read back different bytes", name));
  return backend.DeleteObject(name).WithContext("delete probe object " + name);
}

}  // namespace nasd::cli
