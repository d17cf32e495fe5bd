// nasd's configuration: the one loader for config.yaml.
//
// Loading is strict: an unknown key, a value of the wrong type, an invalid
// value or a missing required key fails with Code::kConfigInvalid and a
// one-line message naming the file and the key ("config.yaml: unknown key
// 'storage.pathh'"). Nothing is written while loading.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/schedule_spec.h"
#include "common/status.h"

namespace nasd {

// storage.s3: where chunks live when storage.backend is s3. Credentials here
// are optional: without them the S3 backend falls back to AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, then ~/.aws/credentials.
// secret_key and session_token never appear in error messages.
struct S3Config {
  std::string endpoint;  // http(s)://host[:port]; required with backend s3
  std::string region = "us-east-1";
  std::string bucket;    // required with backend s3
  std::string prefix;    // folder inside the bucket ("" = bucket root)
  bool path_style = false;
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  std::string ca_file;   // PEM bundle for HTTPS (empty = system store)
  int concurrency = 8;
  std::chrono::milliseconds timeout{30'000};   // one request attempt
  std::chrono::milliseconds deadline{60'000};  // one operation, retries included
  uint64_t read_cache = 0;  // bytes of on-disk read cache under storage.path/s3-cache; 0 = none
};

struct StorageConfig {
  std::string path;          // absolute after Load (relative paths resolve against the config's folder)
  std::string backend = "local";  // local | s3
  uint64_t block_size = 4ULL << 20;
  uint64_t write_buffer = 256ULL << 20;  // memory for buffered writes (all shares)
  uint64_t block_cache = 256ULL << 20;   // memory for cached blocks (all shares)
  S3Config s3;
};

// gc, scrub, snapshots: background maintenance and snapshot policy
// (README, "Snapshots, garbage collection, fsck and scrub").
struct GcConfig {
  std::chrono::milliseconds grace{3'600'000};   // a chunk unreferenced this long is deleted
  std::chrono::milliseconds interval{60'000};   // between collector passes
};

struct ScrubConfig {
  uint64_t rate = 32ULL << 20;                      // bytes read per second
  std::chrono::milliseconds interval{86'400'000};   // between passes
};

// One scheduled snapshot of a share, from snapshots.schedules.
struct ShareSnapshotSchedule {
  std::string share;
  SnapshotSchedule schedule;
};

struct SnapshotsConfig {
  bool visible = false;  // list /.snapshots in every share's root
  // Applied at serve start: each share named here gets exactly these
  // schedules (replacing what the API set); others keep theirs.
  std::vector<ShareSnapshotSchedule> schedules;
};

struct ApiConfig {
  std::string listen = "127.0.0.1:8080";
  std::string admin_token;
};

struct HttpConfig {
  int max_connections = 512;
  int io_threads = 0;  // 0: one per CPU core
  int worker_threads = 32;  // mostly waiting on fsync: many, so commits share WAL syncs
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{60'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds drain_timeout{15'000};
  uint64_t max_api_body = 1ULL << 20;
};

// webdav: file access at /dav/{share}/ on the API listener (README, WebDAV).
struct WebDavConfig {
  bool enabled = true;
  bool allow_depth_infinity = false;  // PROPFIND Depth: infinity (403 otherwise)
  uint64_t max_xml_body = 1ULL << 20;  // PROPFIND, PROPPATCH and LOCK bodies
  // How GET sends chunk bytes on the local backend: verified (crc32c checked
  // in place, then sendfile), unverified (sendfile; the scrubber checks) or
  // copy (read through the vfs).
  std::string sendfile = "verified";
};

// nfs: NFSv3 and MOUNT v3 on their own listener (docs/format/nfs.md).
// One export a share; a share without one is not reachable over NFS.
struct NfsExportConfig {
  std::string share;
  std::vector<std::string> networks;  // CIDR ("10.0.0.0/8", "::1/128"); required
  bool read_only = false;             // access: read-write | read-only
  std::string squash = "root_squash";  // root_squash | no_root_squash | all_squash
  uint32_t anonuid = 65534;
  uint32_t anongid = 65534;
};

struct NfsConfig {
  bool enabled = false;
  std::string listen = "0.0.0.0:2049";
  int worker_threads = 4;
  // Microseconds the network thread polls for the next call before it
  // sleeps, while calls come in quick succession; 0: it always sleeps.
  int busy_poll_us = 50;
  // A connection quiet this long with no call running is closed.
  std::chrono::milliseconds idle_timeout{360'000};
  int max_connections_per_client = 64;
  bool portmap = false;  // answer portmap v2 on port 111 of the listen host
  std::vector<NfsExportConfig> exports;
};

// smb: Samba's smbd, supervised by nasd, serving shares through nasd's own
// FUSE mounts (docs/smb.md). Names of the enumerations are Samba's own.
struct SmbShareConfig {
  std::string name;   // SMB share name clients see (1-80 of A-Z a-z 0-9 . _ - $)
  std::string share;  // the nasd share behind it (default: name)
  bool read_only = false;
  bool guest_ok = false;   // anonymous access (as nobody); off unless set
  bool browseable = true;  // listed in the share list
  // Oplocks and leases (client-side caching). Off for a share that is also
  // edited over WebDAV or NFS: Samba cannot break a lease for changes it
  // does not make.
  bool oplocks = true;
};

struct SmbConfig {
  bool enabled = false;
  std::string listen = "0.0.0.0:445";  // HOST:PORT; host 0.0.0.0 = every interface
  std::string signing = "default";     // default | mandatory | disabled
  std::string encryption = "if_required";  // off | if_required | desired | required
  std::string min_protocol = "SMB2_10";    // SMB2_10 | SMB3_00 | SMB3_02 | SMB3_11
  std::string max_protocol = "SMB3_11";
  std::vector<SmbShareConfig> shares;
};

// Samba's protocol names in order, oldest first: SMB2_10 .. SMB3_11.
const std::vector<std::string>& SmbProtocols();

struct LogConfig {
  std::string level = "info";
  std::string format = "text";
};

struct Config {
  StorageConfig storage;
  GcConfig gc;
  ScrubConfig scrub;
  SnapshotsConfig snapshots;
  ApiConfig api;
  HttpConfig http;
  WebDavConfig webdav;
  NfsConfig nfs;
  SmbConfig smb;
  LogConfig log;
};

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// Parses "HOST:PORT" or "[v6]:PORT". Port 0 is allowed (tests pick a free port).
Result<HostPort> ParseHostPort(std::string_view text);

// Limits shared by the loader and `nasd init`.
inline constexpr uint64_t kMinBlockSize = 128ULL << 10;  // == vfs data::kMinBlockSize
inline constexpr uint64_t kMaxBlockSize = 64ULL << 20;
inline constexpr size_t kMinAdminTokenLength = 16;

// Validates block_size (power of two within limits); kConfigInvalid otherwise.
Status ValidateBlockSize(uint64_t block_size);

// Checks one smb.shares entry (also used for --smb-share-name); where names
// it in the message ("smb.shares[0]"). kConfigInvalid.
Status ValidateSmbShare(const SmbShareConfig& share, std::string_view where);

// Reads and validates the file at path.
Result<Config> LoadConfig(const std::string& path);
// Parses YAML text; source_name and base_dir are for messages and relative paths.
Result<Config> ParseConfig(std::string_view yaml, const std::string& source_name,
                           const std::string& base_dir);

// The documented config.yaml that `nasd init` writes (comments explain every key).
std::string RenderConfig(const Config& config);

}  // namespace nasd
