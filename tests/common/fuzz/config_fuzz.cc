// libFuzzer target for the config loader: ParseConfig (YAML text -> Config,
// strict validation) and ParseHostPort. The first input byte picks which
// (even: ParseConfig, odd: ParseHostPort); the rest is the text. A loaded
// Config must meet every rule the loader promises, and what RenderConfig
// (`nasd init`) writes from it must load back to the same values. Built
// with clang by tests/fuzz/run_fuzz.sh (spec: config_fuzz.sh).
#include <strings.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/config.h"
#include "fuzz/fuzz_check.h"

namespace {

using namespace nasd;
using nasd::fuzz::CheckError;

constexpr std::string_view kSource = "fuzz.yaml";

void CheckListen(const std::string& listen) { FUZZ_CHECK(ParseHostPort(listen).ok()); }

// What config.h and config.cc promise about a loaded Config.
void CheckLoaded(const Config& c) {
  const std::string& path = c.storage.path;
  FUZZ_CHECK(!path.empty() && path.front() == '/');
  FUZZ_CHECK(path == "/" || path.back() != '/');
  FUZZ_CHECK(std::filesystem::path(path).lexically_normal().string() == path ||
             std::filesystem::path(path).lexically_normal().string() == path + "/");
  FUZZ_CHECK(ValidateBlockSize(c.storage.block_size).ok());
  FUZZ_CHECK(c.storage.backend == "local" || c.storage.backend == "s3");
  if (c.storage.backend == "s3") {
    const S3Config& s = c.storage.s3;
    FUZZ_CHECK(!s.bucket.empty() && !s.region.empty());
    FUZZ_CHECK(s.endpoint.starts_with("http://") || s.endpoint.starts_with("https://"));
    FUZZ_CHECK(s.access_key.empty() == s.secret_key.empty());
    FUZZ_CHECK(s.concurrency >= 1 && s.concurrency <= 256);
    FUZZ_CHECK(s.timeout.count() > 0 && s.deadline.count() > 0);
  }
  for (auto d :
       {c.gc.grace, c.gc.interval, c.scrub.interval, c.http.header_timeout, c.http.body_timeout,
        c.http.idle_timeout, c.http.drain_timeout, c.nfs.idle_timeout}) {
    FUZZ_CHECK(d.count() > 0);
  }
  CheckListen(c.api.listen);
  CheckListen(c.nfs.listen);
  CheckListen(c.smb.listen);
  FUZZ_CHECK(ParseHostPort(c.smb.listen)->port != 0);
  FUZZ_CHECK(c.api.admin_token.empty() || c.api.admin_token.size() >= kMinAdminTokenLength);
  FUZZ_CHECK(c.http.max_connections >= 1 && c.http.io_threads >= 0 && c.http.worker_threads >= 1);
  FUZZ_CHECK(c.nfs.worker_threads >= 1 && c.nfs.max_connections_per_client >= 1);
  FUZZ_CHECK(c.nfs.busy_poll_us >= 0 && c.nfs.busy_poll_us <= 1000);
  for (size_t i = 0; i < c.nfs.exports.size(); ++i) {
    const NfsExportConfig& e = c.nfs.exports[i];
    FUZZ_CHECK(!e.share.empty() && !e.networks.empty());
    for (const auto& n : e.networks) FUZZ_CHECK(!n.empty());
    for (size_t j = 0; j < i; ++j) FUZZ_CHECK(c.nfs.exports[j].share != e.share);
  }
  for (size_t i = 0; i < c.smb.shares.size(); ++i) {
    const SmbShareConfig& s = c.smb.shares[i];
    FUZZ_CHECK(ValidateSmbShare(s, "smb.shares").ok());
    for (size_t j = 0; j < i; ++j)
      FUZZ_CHECK(strcasecmp(c.smb.shares[j].name.c_str(), s.name.c_str()) != 0);
  }
  const auto& p = SmbProtocols();
  auto min = std::find(p.begin(), p.end(), c.smb.min_protocol);
  auto max = std::find(p.begin(), p.end(), c.smb.max_protocol);
  FUZZ_CHECK(min != p.end() && max != p.end() && min <= max);
  for (const auto& s : c.snapshots.schedules) {
    FUZZ_CHECK(!s.share.empty());
    FUZZ_CHECK(ParseSchedule(FormatSchedule(s.schedule)).ok());
  }
}

// The values RenderConfig writes (it leaves out nfs.exports, smb.shares and
// a few tuning keys, which `nasd init` never sets).
bool SameRendered(const Config& a, const Config& b) {
  const StorageConfig& x = a.storage;
  const StorageConfig& y = b.storage;
  bool same = x.path == y.path && x.backend == y.backend && x.block_size == y.block_size &&
              x.write_buffer == y.write_buffer && x.block_cache == y.block_cache;
  if (x.backend == "s3") {
    const S3Config& s = x.s3;
    const S3Config& t = y.s3;
    same = same && s.endpoint == t.endpoint && s.region == t.region && s.bucket == t.bucket &&
           s.prefix == t.prefix && s.path_style == t.path_style && s.access_key == t.access_key &&
           s.secret_key == t.secret_key && s.session_token == t.session_token &&
           s.ca_file == t.ca_file && s.concurrency == t.concurrency && s.timeout == t.timeout &&
           s.deadline == t.deadline && s.read_cache == t.read_cache;
  }
  same = same && a.gc.grace == b.gc.grace && a.gc.interval == b.gc.interval &&
         a.scrub.rate == b.scrub.rate && a.scrub.interval == b.scrub.interval &&
         a.snapshots.visible == b.snapshots.visible &&
         a.snapshots.schedules.size() == b.snapshots.schedules.size();
  for (size_t i = 0; same && i < a.snapshots.schedules.size(); ++i) {
    same = a.snapshots.schedules[i].share == b.snapshots.schedules[i].share &&
           a.snapshots.schedules[i].schedule == b.snapshots.schedules[i].schedule;
  }
  const HttpConfig& h = a.http;
  const HttpConfig& k = b.http;
  return same && a.api.listen == b.api.listen && a.api.admin_token == b.api.admin_token &&
         h.max_connections == k.max_connections && h.io_threads == k.io_threads &&
         h.worker_threads == k.worker_threads && h.header_timeout == k.header_timeout &&
         h.body_timeout == k.body_timeout && h.idle_timeout == k.idle_timeout &&
         h.drain_timeout == k.drain_timeout && h.max_api_body == k.max_api_body &&
         a.webdav.enabled == b.webdav.enabled &&
         a.webdav.allow_depth_infinity == b.webdav.allow_depth_infinity &&
         a.webdav.max_xml_body == b.webdav.max_xml_body && a.webdav.sendfile == b.webdav.sendfile &&
         a.nfs.enabled == b.nfs.enabled && a.nfs.listen == b.nfs.listen &&
         a.nfs.portmap == b.nfs.portmap && a.smb.enabled == b.smb.enabled &&
         a.smb.listen == b.smb.listen && a.smb.signing == b.smb.signing &&
         a.smb.encryption == b.smb.encryption && a.smb.min_protocol == b.smb.min_protocol &&
         a.smb.max_protocol == b.smb.max_protocol && a.log.level == b.log.level &&
         a.log.format == b.log.format;
}

void FuzzConfig(std::string_view yaml) {
  auto c = ParseConfig(yaml, std::string(kSource), "/base");
  if (!c.ok()) {
    CheckError(c.status(), {Code::kConfigInvalid});
    FUZZ_CHECK(c.status().message().starts_with(std::string(kSource) + ": "));
    return;
  }
  CheckLoaded(*c);
  // `nasd init` always writes an admin token; without one the file would
  // rightly not load.
  if (c->api.admin_token.empty()) return;
  std::string rendered = RenderConfig(*c);
  auto again = ParseConfig(rendered, std::string(kSource), "/elsewhere");
  if (!again.ok()) std::fprintf(stderr, "rendered config: %s\n", again.status().message().c_str());
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(SameRendered(*c, *again));
}

// ParseHostPort: what it accepts names a host and a port; written back as
// HOST:PORT (brackets when the host has a ':') it parses to the same.
void FuzzHostPort(std::string_view text) {
  auto hp = ParseHostPort(text);
  if (!hp.ok()) return CheckError(hp.status(), {Code::kInvalidArgument});
  FUZZ_CHECK(!hp->host.empty());
  // The port is the decimal number after the last ':', the host what is
  // before it (inside the brackets, if any).
  size_t colon = text.rfind(':');
  FUZZ_CHECK(colon != std::string_view::npos);
  std::string_view digits = text.substr(colon + 1);
  FUZZ_CHECK(!digits.empty() && digits.size() <= 5);
  uint32_t value = 0;
  for (char ch : digits) {
    FUZZ_CHECK(ch >= '0' && ch <= '9');
    value = value * 10 + static_cast<uint32_t>(ch - '0');
  }
  FUZZ_CHECK(value == hp->port);
  std::string_view host = text.substr(0, colon);
  if (host.starts_with('[')) {
    FUZZ_CHECK(host.ends_with(']'));
    host = host.substr(1, host.size() - 2);
  }
  FUZZ_CHECK(host == hp->host);
  if (hp->host.find_first_of("[]") != std::string::npos) return;  // not a host; see the report
  std::string port = std::to_string(hp->port);
  std::string again_text = hp->host.find(':') == std::string::npos ? hp->host + ":" + port
                                                                   : "[" + hp->host + "]:" + port;
  auto again = ParseHostPort(again_text);
  FUZZ_CHECK(again.ok() && again->host == hp->host && again->port == hp->port);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    FuzzConfig(in);
  } else {
    FuzzHostPort(in);
  }
  return 0;
}
