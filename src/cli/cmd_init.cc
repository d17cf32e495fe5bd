#include <limits.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "chunk/s3/s3_backend.h"
#include "cli/chunk_backend.h"
#include "cli/commands.h"
#include "cli/storage_layout.h"
#include "cli/systemd_unit.h"
#include "common/posix_io.h"
#include "common/fs_info.h"
#include "common/random.h"
#include "common/units.h"

namespace nasd::cli {
namespace {

struct InitOptions {
  std::string storage_path;
  std::string backend = "local";
  std::string block_size = "4MiB";
  std::string listen = "127.0.0.1:8080";
  std::string admin_token;
  bool force = false;
  bool install_systemd = false;
  // --backend s3
  std::string bucket;
  std::string endpoint;
  std::string region = "us-east-1";
  std::string prefix;
  bool path_style = false;
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  std::string ca_file;
};

// The storage.s3 section from the flags, validated; credentials only when
// given as flags (otherwise serve finds them the same way init does).
Result<S3Config> S3ConfigFromFlags(const InitOptions& opts) {
  if (opts.bucket.empty()) return InvalidArgument("--backend s3 needs --bucket");
  if (opts.endpoint.empty()) return InvalidArgument("--backend s3 needs --endpoint (e.g. https://s3.us-east-1.amazonaws.com)");
  if (opts.access_key.empty() != opts.secret_key.empty()) {
    return InvalidArgument("--access-key and --secret-key go together");
  }
  S3Config s3;
  s3.endpoint = opts.endpoint;
  s3.bucket = opts.bucket;
  s3.region = opts.region;
  s3.prefix = opts.prefix;
  s3.path_style = opts.path_style;
  s3.access_key = opts.access_key;
  s3.secret_key = opts.secret_key;
  s3.session_token = opts.session_token;
  s3.ca_file = opts.ca_file;
  return s3;
}

// Opens the bucket and writes, reads and deletes a probe object, with a
// short deadline so an unreachable endpoint fails init promptly.
Status ProbeS3(const S3Config& s3) {
  NASD_ASSIGN_OR_RETURN(chunk::s3::S3Options options, S3OptionsFromConfig(s3));
  options.timeout = std::min(options.timeout, std::chrono::milliseconds(10'000));
  options.deadline = std::min(options.deadline, std::chrono::milliseconds(20'000));
  NASD_ASSIGN_OR_RETURN(auto backend, chunk::OpenS3Backend(options));
  return ProbeBackend(*backend);
}

bool IsEmptyDir(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_empty(p, ec) && !ec;
}

std::string SelfPath() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "/usr/local/bin/nasd";
  return std::string(buf, static_cast<size_t>(n));
}

int Init(const GlobalOptions& global, const InitOptions& opts) {
  // Validate everything before writing anything.
  Status st = ApplyLogFlags(global, LogConfig{});
  if (!st.ok()) return Fail(kExitUsage, st.message());
  Config config;
  if (opts.backend != "local" && opts.backend != "s3") {
    return Fail(kExitUsage, fmt::format("--backend: '{}' is not supported (use local or s3)", opts.backend));
  }
  if (opts.backend == "local" && (!opts.bucket.empty() || !opts.endpoint.empty() || !opts.access_key.empty())) {
    return Fail(kExitUsage, "--bucket, --endpoint and the S3 credentials need --backend s3");
  }
  if (opts.backend == "s3") {
    auto s3 = S3ConfigFromFlags(opts);
    if (!s3.ok()) return Fail(kExitUsage, s3.status().message());
    config.storage.s3 = *s3;
  }
  auto block = ParseSize(opts.block_size);
  if (!block.ok()) return Fail(kExitUsage, fmt::format("--block-size: {}", block.status().message()));
  if (Status v = ValidateBlockSize(*block); !v.ok()) return Fail(kExitUsage, "--block-size: " + v.message());
  if (auto hp = ParseHostPort(opts.listen); !hp.ok()) {
    return Fail(kExitUsage, fmt::format("--listen: {}", hp.status().message()));
  }
  if (!opts.admin_token.empty() && opts.admin_token.size() < kMinAdminTokenLength) {
    return Fail(kExitUsage, fmt::format("--admin-token: must be at least {} characters", kMinAdminTokenLength));
  }
  if (opts.install_systemd && !CanInstallSystemdUnit()) {
    return Fail(kExitFailed, "--install-systemd needs root on a host running systemd; nothing was written");
  }

  std::filesystem::path config_path = std::filesystem::absolute(global.config_path).lexically_normal();
  std::filesystem::path storage = std::filesystem::absolute(opts.storage_path).lexically_normal();
  if (std::filesystem::exists(config_path) && !opts.force) {
    return Fail(kExitFailed, fmt::format("config {} already exists; refusing to overwrite it "
                                         "(use --force to replace it; data is never deleted)",
                                         config_path.string()));
  }
  auto existing = ReadVolumeFile(storage.string());
  if (!existing.ok()) return Fail(kExitFailed, existing.status().message());
  if (*existing && !opts.force) {
    return Fail(kExitFailed, fmt::format("storage path {} already holds volume {}; refusing to adopt it "
                                         "(use --force to write a config for the existing volume)",
                                         storage.string(), (*existing)->volume_id));
  }
  if (*existing && (*existing)->block_size != *block) {
    return Fail(kExitFailed, fmt::format("volume {} at {} uses block size {}; it cannot change to {}",
                                         (*existing)->volume_id, storage.string(),
                                         FormatSize((*existing)->block_size), FormatSize(*block)));
  }
  if (!*existing && std::filesystem::exists(storage) && !IsEmptyDir(storage) && !opts.force) {
    return Fail(kExitFailed, fmt::format("storage path {} is not empty and holds no nasd volume; "
                                         "choose an empty folder (or use --force to create the volume beside "
                                         "the files there)",
                                         storage.string()));
  }

  if (opts.backend == "s3") {
    st = ProbeS3(config.storage.s3);
    if (!st.ok()) {
      int code = st.code() == Code::kInvalidArgument ? kExitUsage : kExitFailed;  // a bad --endpoint, --bucket ...
      return Fail(code, fmt::format("S3 bucket '{}' at {} is not usable; nothing was written: {}", opts.bucket,
                                    opts.endpoint, st.ToString()));
    }
    std::printf("S3: bucket %s at %s answered a write, read and delete\n", opts.bucket.c_str(), opts.endpoint.c_str());
  }

  std::error_code ec;
  std::filesystem::create_directories(storage, ec);
  if (ec) return Fail(kExitFailed, fmt::format("cannot create {}: {}", storage.string(), ec.message()));
  auto fs = StatFs(storage.string());
  if (fs.ok()) {
    std::printf("Storage: %s on %s, %s free of %s\n", storage.c_str(), fs->type.c_str(),
                FormatBytes(fs->free_bytes).c_str(), FormatBytes(fs->total_bytes).c_str());
    if (fs->volatile_memory) {
      std::fprintf(stderr, "nasd: warning: %s is on %s: everything stored is lost at reboot\n",
                   storage.c_str(), fs->type.c_str());
    }
    if (fs->network) {
      std::fprintf(stderr, "nasd: warning: %s is on a network filesystem (%s): fsync and locking may "
                   "not be reliable; use a local disk\n", storage.c_str(), fs->type.c_str());
    }
  }

  meta::VolumeInfo volume;
  if (*existing) {
    volume = **existing;
    std::printf("Adopting existing volume %s\n", volume.volume_id.c_str());
  } else {
    volume.volume_id = meta::NewVolumeId();
    volume.block_size = *block;
    volume.created_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    st = CreateVolume(storage.string(), volume);
    if (!st.ok()) return Fail(kExitFailed, st.message());
    std::printf("Created volume %s (block size %s)\n", volume.volume_id.c_str(), FormatSize(*block).c_str());
  }

  bool generated = opts.admin_token.empty();
  config.storage.path = storage.string();
  config.storage.backend = opts.backend;  // storage.s3 was filled from the flags above
  config.storage.block_size = *block;
  config.api.listen = opts.listen;
  config.api.admin_token = generated ? RandomHex(24) : opts.admin_token;
  std::filesystem::create_directories(config_path.parent_path(), ec);
  st = posix::WriteFileDurably(config_path.string(), RenderConfig(config), 0600);
  if (!st.ok()) return Fail(kExitFailed, st.message());
  std::printf("Config: %s (mode 0600)\n", config_path.c_str());
  if (generated) {
    std::printf("Admin token: %s (stored under api.admin_token)\n", config.api.admin_token.c_str());
  }
  if (opts.install_systemd) {
    st = posix::WriteFileDurably(kSystemdUnitPath, SystemdUnitText(SelfPath(), config_path.string(), storage.string()),
                          0644);
    if (!st.ok()) return Fail(kExitFailed, st.message());
    std::printf("Systemd unit: %s (enable with: systemctl daemon-reload && systemctl enable --now nasd)\n",
                kSystemdUnitPath);
  }
  std::printf("Start the server with: nasd --config %s serve\n", config_path.c_str());
  return kExitOk;
}

}  // namespace

void AddInitCommand(CLI::App& app, const GlobalOptions& global, Runner& run) {
  auto opts = std::make_shared<InitOptions>();
  auto* sub = app.add_subcommand(
      "init",
      "Create a volume in a storage folder and write a documented config (mode 0600).\n"
      "Refuses to overwrite a config or adopt an existing volume unless --force; never deletes data.");
  sub->add_option("--storage-path", opts->storage_path, "Folder for chunks and metadata")->required();
  sub->add_option("--backend", opts->backend, "Where chunks live: local (default) or s3");
  sub->add_option("--bucket", opts->bucket, "S3 bucket for chunks (--backend s3)");
  sub->add_option("--endpoint", opts->endpoint, "S3 endpoint, http(s)://host[:port] (--backend s3)");
  sub->add_option("--region", opts->region, "S3 region (default us-east-1)");
  sub->add_option("--prefix", opts->prefix, "Folder inside the bucket (default: the bucket root)");
  sub->add_flag("--path-style", opts->path_style, "Address the bucket as endpoint/bucket (MinIO, Ceph, s3rver)");
  sub->add_option("--access-key", opts->access_key,
                  "S3 access key (default: AWS_ACCESS_KEY_ID, then ~/.aws/credentials)");
  sub->add_option("--secret-key", opts->secret_key, "S3 secret key (stored in the 0600 config)");
  sub->add_option("--session-token", opts->session_token, "S3 session token for temporary credentials");
  sub->add_option("--ca-file", opts->ca_file, "PEM bundle that signs the endpoint's certificate");
  sub->add_option("--block-size", opts->block_size,
                  "Block size, a power of two from 64KiB to 64MiB (default 4MiB); fixed for the volume");
  sub->add_option("--listen", opts->listen, "HOST:PORT for the HTTP server (default 127.0.0.1:8080)");
  sub->add_option("--admin-token", opts->admin_token,
                  "Bearer token for /api/v1 (at least 16 characters; default: generated)");
  sub->add_flag("--force", opts->force, "Replace an existing config / adopt an existing volume");
  sub->add_flag("--install-systemd", opts->install_systemd,
                "Also write /etc/systemd/system/nasd.service (root on a systemd host)");
  sub->callback([&global, &run, opts] { run = [&global, opts] { return Init(global, *opts); }; });
}

}  // namespace nasd::cli
