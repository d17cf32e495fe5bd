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

#include "common/status.h"

namespace nasd {

struct StorageConfig {
  std::string path;          // absolute after Load (relative paths resolve against the config's folder)
  std::string backend = "local";
  uint64_t block_size = 4ULL << 20;
};

struct ApiConfig {
  std::string listen = "127.0.0.1:8080";
  std::string admin_token;
};

struct HttpConfig {
  int max_connections = 512;
  int io_threads = 1;
  int worker_threads = 4;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{60'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds drain_timeout{15'000};
  uint64_t max_api_body = 1ULL << 20;
};

struct LogConfig {
  std::string level = "info";
  std::string format = "text";
};

struct Config {
  StorageConfig storage;
  ApiConfig api;
  HttpConfig http;
  LogConfig log;
};

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// Parses "HOST:PORT" or "[v6]:PORT". Port 0 is allowed (tests pick a free port).
Result<HostPort> ParseHostPort(std::string_view text);

// Limits shared by the loader and `nasd init`.
inline constexpr uint64_t kMinBlockSize = 64ULL << 10;
inline constexpr uint64_t kMaxBlockSize = 64ULL << 20;
inline constexpr size_t kMinAdminTokenLength = 16;

// Validates block_size (power of two within limits); kConfigInvalid otherwise.
Status ValidateBlockSize(uint64_t block_size);

// Reads and validates the file at path.
Result<Config> LoadConfig(const std::string& path);
// Parses YAML text; source_name and base_dir are for messages and relative paths.
Result<Config> ParseConfig(std::string_view yaml, const std::string& source_name,
                           const std::string& base_dir);

// The documented config.yaml that `nasd init` writes (comments explain every key).
std::string RenderConfig(const Config& config);

}  // namespace nasd
