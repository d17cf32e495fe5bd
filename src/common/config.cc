#include "common/config.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "common/logging.h"
#include "common/units.h"

namespace nasd {
namespace {

// One known key: its dotted path and how to apply a scalar to the Config.
struct KeySpec {
  std::string_view path;
  std::function<Status(const std::string& value, Config& config)> apply;
};

Status Bad(std::string_view key, std::string_view why) {
  return ConfigInvalid(fmt::format("{}: {}", key, why));
}


template <typename Setter>
KeySpec Size(std::string_view path, Setter set) {
  return {path, [path, set](const std::string& v, Config& c) -> Status {
            auto n = ParseSize(v);
            if (!n.ok()) return Bad(path, n.status().message());
            set(c, *n);
            return Status::Ok();
          }};
}

template <typename Setter>
KeySpec Duration(std::string_view path, Setter set) {
  return {path, [path, set](const std::string& v, Config& c) -> Status {
            auto d = ParseDuration(v);
            if (!d.ok()) return Bad(path, d.status().message());
            if (d->count() == 0) return Bad(path, "must be greater than 0");
            set(c, *d);
            return Status::Ok();
          }};
}

template <typename Setter>
KeySpec Int(std::string_view path, int min, int max, Setter set) {
  return {path, [=](const std::string& v, Config& c) -> Status {
            int n = 0;
            std::istringstream in(v);
            in >> n;
            if (in.fail() || !in.eof()) return Bad(path, fmt::format("expected a whole number, got '{}'", v));
            if (n < min || n > max) return Bad(path, fmt::format("{} is outside {}..{}", n, min, max));
            set(c, n);
            return Status::Ok();
          }};
}

template <typename Setter>
KeySpec Bool(std::string_view path, Setter set) {
  return {path, [path, set](const std::string& v, Config& c) -> Status {
            if (v != "true" && v != "false") return Bad(path, fmt::format("expected true or false, got '{}'", v));
            set(c, v == "true");
            return Status::Ok();
          }};
}

template <typename Setter>
KeySpec String(std::string_view path, Setter set) {
  return {path, [set](const std::string& v, Config& c) -> Status { return set(c, v); }};
}

// A storage.s3 text key. The value is never echoed (it may be a secret).
// path is a string literal (KeySpec keeps a view of it).
KeySpec S3Text(std::string_view path, std::string S3Config::*field, bool may_be_empty) {
  return {path, [path, field, may_be_empty](const std::string& v, Config& c) -> Status {
            if (v.empty() && !may_be_empty) return Bad(path, "must not be empty");
            c.storage.s3.*field = v;
            return Status::Ok();
          }};
}

// An smb text key taking one of a fixed list of words.
KeySpec OneOf(std::string_view path, std::vector<std::string> words, std::string SmbConfig::*field) {
  return {path, [path, words = std::move(words), field](const std::string& v, Config& c) -> Status {
            if (std::find(words.begin(), words.end(), v) == words.end()) {
              return Bad(path, fmt::format("'{}' is not one of {}", v, fmt::join(words, ", ")));
            }
            c.smb.*field = v;
            return Status::Ok();
          }};
}

const std::vector<KeySpec>& Schema() {
  static const std::vector<KeySpec> kSchema = {
      String("storage.path", [](Config& c, const std::string& v) -> Status {
        if (v.empty()) return Bad("storage.path", "must not be empty");
        c.storage.path = v;
        return Status::Ok();
      }),
      String("storage.backend", [](Config& c, const std::string& v) -> Status {
        if (v != "local" && v != "s3") {
          return Bad("storage.backend", fmt::format("'{}' is not supported (use local or s3)", v));
        }
        c.storage.backend = v;
        return Status::Ok();
      }),
      Size("storage.block_size", [](Config& c, uint64_t n) { c.storage.block_size = n; }),
      Size("storage.write_buffer", [](Config& c, uint64_t n) { c.storage.write_buffer = n; }),
      Size("storage.block_cache", [](Config& c, uint64_t n) { c.storage.block_cache = n; }),
      String("storage.s3.endpoint", [](Config& c, const std::string& v) -> Status {
        if (!v.starts_with("http://") && !v.starts_with("https://")) {
          return Bad("storage.s3.endpoint", fmt::format("'{}' must start with http:// or https://", v));
        }
        c.storage.s3.endpoint = v;
        return Status::Ok();
      }),
      S3Text("storage.s3.region", &S3Config::region, /*may_be_empty=*/false),
      S3Text("storage.s3.bucket", &S3Config::bucket, false),
      S3Text("storage.s3.prefix", &S3Config::prefix, true),
      String("storage.s3.path_style", [](Config& c, const std::string& v) -> Status {
        if (v != "true" && v != "false") return Bad("storage.s3.path_style", "expected true or false");
        c.storage.s3.path_style = v == "true";
        return Status::Ok();
      }),
      S3Text("storage.s3.access_key", &S3Config::access_key, true),
      S3Text("storage.s3.secret_key", &S3Config::secret_key, true),
      S3Text("storage.s3.session_token", &S3Config::session_token, true),
      S3Text("storage.s3.ca_file", &S3Config::ca_file, true),
      Int("storage.s3.concurrency", 1, 256, [](Config& c, int n) { c.storage.s3.concurrency = n; }),
      Duration("storage.s3.timeout", [](Config& c, auto d) { c.storage.s3.timeout = d; }),
      Duration("storage.s3.deadline", [](Config& c, auto d) { c.storage.s3.deadline = d; }),
      Size("storage.s3.read_cache", [](Config& c, uint64_t n) { c.storage.s3.read_cache = n; }),
      Duration("gc.grace", [](Config& c, auto d) { c.gc.grace = d; }),
      Duration("gc.interval", [](Config& c, auto d) { c.gc.interval = d; }),
      Size("scrub.rate", [](Config& c, uint64_t n) { c.scrub.rate = n; }),
      Duration("scrub.interval", [](Config& c, auto d) { c.scrub.interval = d; }),
      Bool("snapshots.visible", [](Config& c, bool b) { c.snapshots.visible = b; }),
      String("api.listen", [](Config& c, const std::string& v) -> Status {
        auto hp = ParseHostPort(v);
        if (!hp.ok()) return Bad("api.listen", hp.status().message());
        c.api.listen = v;
        return Status::Ok();
      }),
      String("api.admin_token", [](Config& c, const std::string& v) -> Status {
        if (v.size() < kMinAdminTokenLength) {
          return Bad("api.admin_token", fmt::format("must be at least {} characters", kMinAdminTokenLength));
        }
        c.api.admin_token = v;
        return Status::Ok();
      }),
      Int("http.max_connections", 1, 1'000'000, [](Config& c, int n) { c.http.max_connections = n; }),
      Int("http.io_threads", 0, 64, [](Config& c, int n) { c.http.io_threads = n; }),
      Int("http.worker_threads", 1, 256, [](Config& c, int n) { c.http.worker_threads = n; }),
      Duration("http.header_timeout", [](Config& c, auto d) { c.http.header_timeout = d; }),
      Duration("http.body_timeout", [](Config& c, auto d) { c.http.body_timeout = d; }),
      Duration("http.idle_timeout", [](Config& c, auto d) { c.http.idle_timeout = d; }),
      Duration("http.drain_timeout", [](Config& c, auto d) { c.http.drain_timeout = d; }),
      Size("http.max_api_body", [](Config& c, uint64_t n) { c.http.max_api_body = n; }),
      Bool("webdav.enabled", [](Config& c, bool b) { c.webdav.enabled = b; }),
      Bool("webdav.allow_depth_infinity", [](Config& c, bool b) { c.webdav.allow_depth_infinity = b; }),
      Size("webdav.max_xml_body", [](Config& c, uint64_t n) { c.webdav.max_xml_body = n; }),
      String("webdav.sendfile", [](Config& c, const std::string& v) -> Status {
        if (v != "verified" && v != "unverified" && v != "copy") {
          return Bad("webdav.sendfile", fmt::format("'{}' is not one of verified, unverified, copy", v));
        }
        c.webdav.sendfile = v;
        return Status::Ok();
      }),
      Bool("nfs.enabled", [](Config& c, bool b) { c.nfs.enabled = b; }),
      String("nfs.listen", [](Config& c, const std::string& v) -> Status {
        auto hp = ParseHostPort(v);
        if (!hp.ok()) return Bad("nfs.listen", hp.status().message());
        c.nfs.listen = v;
        return Status::Ok();
      }),
      Int("nfs.worker_threads", 1, 256, [](Config& c, int n) { c.nfs.worker_threads = n; }),
      Int("nfs.busy_poll_us", 0, 1000, [](Config& c, int n) { c.nfs.busy_poll_us = n; }),
      Duration("nfs.idle_timeout", [](Config& c, auto d) { c.nfs.idle_timeout = d; }),
      Int("nfs.max_connections_per_client", 1, 65536,
          [](Config& c, int n) { c.nfs.max_connections_per_client = n; }),
      Bool("nfs.portmap", [](Config& c, bool b) { c.nfs.portmap = b; }),
      Bool("smb.enabled", [](Config& c, bool b) { c.smb.enabled = b; }),
      String("smb.listen", [](Config& c, const std::string& v) -> Status {
        auto hp = ParseHostPort(v);
        if (!hp.ok()) return Bad("smb.listen", hp.status().message());
        if (hp->port == 0) return Bad("smb.listen", "needs a port (smbd cannot pick one)");
        c.smb.listen = v;
        return Status::Ok();
      }),
      OneOf("smb.signing", {"default", "mandatory", "disabled"}, &SmbConfig::signing),
      OneOf("smb.encryption", {"off", "if_required", "desired", "required"}, &SmbConfig::encryption),
      OneOf("smb.min_protocol", SmbProtocols(), &SmbConfig::min_protocol),
      OneOf("smb.max_protocol", SmbProtocols(), &SmbConfig::max_protocol),
      String("log.level", [](Config& c, const std::string& v) -> Status {
        auto l = log::ParseLevel(v);
        if (!l.ok()) return Bad("log.level", l.status().message());
        c.log.level = v;
        return Status::Ok();
      }),
      String("log.format", [](Config& c, const std::string& v) -> Status {
        auto f = log::ParseFormat(v);
        if (!f.ok()) return Bad("log.format", f.status().message());
        c.log.format = v;
        return Status::Ok();
      }),
  };
  return kSchema;
}

// A mapping's key as text; where names the mapping ("top level", "nfs.exports[0]").
// A list or mapping as a key ("? [a]: b") is refused, not thrown.
Result<std::string> KeyText(const YAML::Node& key, std::string_view where) {
  if (!key.IsScalar()) return Bad(where, "keys must be strings");
  return key.Scalar();
}

// A list of mappings at path (null: none). Calls parse(item, "path[i]") for
// each; what names the list's items, keys the keys a mapping takes.
Status ForEachMapping(const YAML::Node& list, std::string_view path, std::string_view what, std::string_view keys,
                      const std::function<Status(const YAML::Node&, const std::string&)>& parse) {
  if (list.IsNull()) return Status::Ok();
  if (!list.IsSequence()) return Bad(path, fmt::format("expected a list of {}", what));
  for (size_t i = 0; i < list.size(); ++i) {
    std::string where = fmt::format("{}[{}]", path, i);
    if (!list[i].IsMap()) return Bad(where, fmt::format("expected a mapping ({})", keys));
    NASD_RETURN_IF_ERROR(parse(list[i], where));
  }
  return Status::Ok();
}

// snapshots.schedules: a list of {share, label, every, keep}.
Status ParseSnapshotSchedules(const YAML::Node& list, Config& config) {
  return ForEachMapping(list, "snapshots.schedules", "schedules", "share, label, every, keep",
                        [&config](const YAML::Node& item, const std::string& where) -> Status {
    std::string share, label, every, keep;
    for (const auto& kv : item) {
      NASD_ASSIGN_OR_RETURN(const std::string key, KeyText(kv.first, where));
      if (!kv.second.IsScalar()) return Bad(where + "." + key, "expected a single value");
      std::string* field = key == "share" ? &share : key == "label" ? &label : key == "every" ? &every
                         : key == "keep"  ? &keep  : nullptr;
      if (field == nullptr) return ConfigInvalid(fmt::format("unknown key '{}.{}'", where, key));
      *field = kv.second.Scalar();
    }
    for (auto [name, value] : {std::pair{"share", &share}, {"label", &label}, {"every", &every}, {"keep", &keep}}) {
      if (value->empty()) return Bad(where, fmt::format("missing '{}'", name));
    }
    auto parsed = ParseSchedule(fmt::format("{}:{}:{}", label, every, keep));
    if (!parsed.ok()) return Bad(where, parsed.status().message());
    std::vector<SnapshotSchedule> same_share{*parsed};
    for (const ShareSnapshotSchedule& other : config.snapshots.schedules) {
      if (other.share == share) same_share.push_back(other.schedule);
    }
    if (Status st = ValidateSchedules(same_share); !st.ok()) {
      return Bad(where, fmt::format("share '{}': {}", share, st.message()));
    }
    config.snapshots.schedules.push_back(ShareSnapshotSchedule{share, *parsed});
    return Status::Ok();
  });
}

// nfs.exports: a list of mappings, one a share.
Status ParseNfsExports(const YAML::Node& list, Config& config) {
  return ForEachMapping(list, "nfs.exports", "exports", "share, networks, access, squash ...",
                        [&config](const YAML::Node& item, const std::string& where) -> Status {
    NfsExportConfig e;
    for (const auto& kv : item) {
      NASD_ASSIGN_OR_RETURN(const std::string key, KeyText(kv.first, where));
      const YAML::Node& v = kv.second;
      std::string at = where + "." + key;
      if (key == "networks") {
        if (!v.IsSequence()) return Bad(at, "expected a list of networks (CIDR)");
        for (const auto& n : v) {
          if (!n.IsScalar() || n.Scalar().empty()) return Bad(at, "expected CIDR strings");
          e.networks.push_back(n.Scalar());
        }
        continue;
      }
      if (!v.IsScalar()) return Bad(at, "expected a single value");
      const std::string& s = v.Scalar();
      if (key == "share") {
        e.share = s;
      } else if (key == "access") {
        if (s != "read-write" && s != "read-only") return Bad(at, fmt::format("'{}' is not read-write or read-only", s));
        e.read_only = s == "read-only";
      } else if (key == "squash") {
        if (s != "root_squash" && s != "no_root_squash" && s != "all_squash") {
          return Bad(at, fmt::format("'{}' is not root_squash, no_root_squash or all_squash", s));
        }
        e.squash = s;
      } else if (key == "anonuid" || key == "anongid") {
        uint32_t n = 0;
        try {
          n = v.as<uint32_t>();
        } catch (const YAML::Exception&) {
          return Bad(at, fmt::format("expected a uid/gid number, got '{}'", s));
        }
        (key == "anonuid" ? e.anonuid : e.anongid) = n;
      } else {
        return ConfigInvalid(fmt::format("unknown key '{}'", at));
      }
    }
    if (e.share.empty()) return Bad(where, "missing 'share'");
    if (e.networks.empty()) return Bad(where, "missing 'networks' (the client networks allowed, e.g. [10.0.0.0/8])");
    for (const auto& other : config.nfs.exports) {
      if (other.share == e.share) return Bad(where, fmt::format("share '{}' is exported twice", e.share));
    }
    config.nfs.exports.push_back(std::move(e));
    return Status::Ok();
  });
}

// smb.shares: a list of mappings, one an SMB share.
Status ParseSmbShares(const YAML::Node& list, Config& config) {
  return ForEachMapping(list, "smb.shares", "shares", "name, share, read_only, guest_ok, browseable, oplocks",
                        [&config](const YAML::Node& item, const std::string& where) -> Status {
    SmbShareConfig e;
    for (const auto& kv : item) {
      NASD_ASSIGN_OR_RETURN(const std::string key, KeyText(kv.first, where));
      std::string at = where + "." + key;
      if (!kv.second.IsScalar()) return Bad(at, "expected a single value");
      const std::string& s = kv.second.Scalar();
      if (key == "name" || key == "share") {
        (key == "name" ? e.name : e.share) = s;
      } else if (key == "read_only" || key == "guest_ok" || key == "browseable" || key == "oplocks") {
        if (s != "true" && s != "false") return Bad(at, fmt::format("expected true or false, got '{}'", s));
        bool& field = key == "read_only"  ? e.read_only
                      : key == "guest_ok" ? e.guest_ok
                      : key == "oplocks"  ? e.oplocks
                                          : e.browseable;
        field = s == "true";
      } else {
        return ConfigInvalid(fmt::format("unknown key '{}'", at));
      }
    }
    if (e.share.empty()) e.share = e.name;
    NASD_RETURN_IF_ERROR(ValidateSmbShare(e, where));
    for (const auto& other : config.smb.shares) {
      if (strcasecmp(other.name.c_str(), e.name.c_str()) == 0) {
        return Bad(where, fmt::format("SMB share name '{}' is used twice (names ignore case)", e.name));
      }
    }
    config.smb.shares.push_back(std::move(e));
    return Status::Ok();
  });
}

// Keys holding lists, parsed by their own functions (see Walk).
constexpr std::string_view kListKeys[] = {"nfs.exports", "smb.shares", "snapshots.schedules"};

bool IsSection(std::string_view prefix) {
  for (std::string_view key : kListKeys) {
    if (key.size() > prefix.size() && key.substr(0, prefix.size()) == prefix && key[prefix.size()] == '.') {
      return true;
    }
  }
  for (const auto& spec : Schema()) {
    if (spec.path.size() > prefix.size() && spec.path.substr(0, prefix.size()) == prefix &&
        spec.path[prefix.size()] == '.') {
      return true;
    }
  }
  return false;
}

const KeySpec* FindKey(std::string_view path) {
  for (const auto& spec : Schema()) {
    if (spec.path == path) return &spec;
  }
  return nullptr;
}

Status Walk(const YAML::Node& node, const std::string& prefix, Config& config) {
  for (const auto& item : node) {
    NASD_ASSIGN_OR_RETURN(const std::string key, KeyText(item.first, prefix.empty() ? "top level" : prefix));
    std::string path = prefix.empty() ? key : prefix + "." + key;
    const YAML::Node& value = item.second;
    if (path == "snapshots.schedules") {
      NASD_RETURN_IF_ERROR(ParseSnapshotSchedules(value, config));
      continue;
    }
    if (path == "nfs.exports") {
      NASD_RETURN_IF_ERROR(ParseNfsExports(value, config));
      continue;
    }
    if (path == "smb.shares") {
      NASD_RETURN_IF_ERROR(ParseSmbShares(value, config));
      continue;
    }
    if (IsSection(path)) {
      if (value.IsNull()) continue;  // an empty section keeps defaults
      if (!value.IsMap()) return Bad(path, "expected a section (a mapping of keys)");
      NASD_RETURN_IF_ERROR(Walk(value, path, config));
      continue;
    }
    const KeySpec* spec = FindKey(path);
    if (spec == nullptr) return ConfigInvalid(fmt::format("unknown key '{}'", path));
    if (!value.IsScalar()) return Bad(path, "expected a single value, not a list or section");
    NASD_RETURN_IF_ERROR(spec->apply(value.Scalar(), config));
  }
  return Status::Ok();
}

}  // namespace

const std::vector<std::string>& SmbProtocols() {
  static const std::vector<std::string> kProtocols = {"SMB2_10", "SMB3_00", "SMB3_02", "SMB3_11"};
  return kProtocols;
}

Status ValidateSmbShare(const SmbShareConfig& e, std::string_view where) {
  auto valid_name = [](const std::string& n, bool allow_dollar) {
    if (n.empty() || n.size() > 64 || n.front() == '.') return false;
    return std::all_of(n.begin(), n.end(), [&](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-' ||
             (allow_dollar && ch == '$');
    });
  };
  if (e.name.empty()) return Bad(where, "missing 'name' (the SMB share name clients see)");
  if (!valid_name(e.name, /*allow_dollar=*/true)) {
    return Bad(where, fmt::format("SMB share name '{}' must be 1-64 of A-Z a-z 0-9 . _ - $, not starting with a dot",
                                  e.name));
  }
  for (const char* reserved : {"global", "homes", "printers", "ipc$", "print$"}) {
    if (strcasecmp(e.name.c_str(), reserved) == 0) {
      return Bad(where, fmt::format("SMB share name '{}' is reserved by Samba", e.name));
    }
  }
  if (!valid_name(e.share, /*allow_dollar=*/false)) {
    return Bad(where, fmt::format("'{}' is not a valid nasd share name", e.share));
  }
  return Status::Ok();
}

Result<HostPort> ParseHostPort(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return InvalidArgument(fmt::format("'{}' is not HOST:PORT", text));
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return InvalidArgument(fmt::format("'{}' is not HOST:PORT", text));
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty()) return InvalidArgument(fmt::format("'{}' has no host", text));
  unsigned n = 0;
  if (port.empty() || port.size() > 5) return InvalidArgument(fmt::format("'{}' has no valid port", text));
  for (char ch : port) {
    if (ch < '0' || ch > '9') return InvalidArgument(fmt::format("'{}' has no valid port", text));
    n = n * 10 + static_cast<unsigned>(ch - '0');
  }
  if (n > 65535) return InvalidArgument(fmt::format("port {} in '{}' is above 65535", n, text));
  return HostPort{std::string(host), static_cast<uint16_t>(n)};
}

Status ValidateBlockSize(uint64_t n) {
  if (n < kMinBlockSize || n > kMaxBlockSize || (n & (n - 1)) != 0) {
    return ConfigInvalid(fmt::format("block size {} must be a power of two between {} and {}",
                                     FormatSize(n), FormatSize(kMinBlockSize), FormatSize(kMaxBlockSize)));
  }
  return Status::Ok();
}

Result<Config> ParseConfig(std::string_view yaml, const std::string& source_name,
                           const std::string& base_dir) {
  auto fail = [&](const Status& st) { return ConfigInvalid(fmt::format("{}: {}", source_name, st.message())); };
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return ConfigInvalid(fmt::format("{}: line {}: {}", source_name, e.mark.line + 1, e.msg));
  }
  Config config;
  if (!root.IsMap()) {
    if (root.IsNull()) return fail(ConfigInvalid("missing required key 'storage.path'"));
    return fail(ConfigInvalid("expected a mapping of sections at the top level"));
  }
  Status st = Walk(root, "", config);
  if (!st.ok()) return fail(st);
  if (config.storage.path.empty()) return fail(ConfigInvalid("missing required key 'storage.path'"));
  st = ValidateBlockSize(config.storage.block_size);
  if (!st.ok()) return fail(Bad("storage.block_size", st.message()));
  if (config.storage.backend == "s3") {
    if (config.storage.s3.endpoint.empty()) return fail(ConfigInvalid("storage.backend s3 needs 'storage.s3.endpoint'"));
    if (config.storage.s3.bucket.empty()) return fail(ConfigInvalid("storage.backend s3 needs 'storage.s3.bucket'"));
    if (config.storage.s3.access_key.empty() != config.storage.s3.secret_key.empty()) {
      return fail(ConfigInvalid("storage.s3.access_key and storage.s3.secret_key go together"));
    }
  }
  const auto& protocols = SmbProtocols();
  if (std::find(protocols.begin(), protocols.end(), config.smb.min_protocol) >
      std::find(protocols.begin(), protocols.end(), config.smb.max_protocol)) {
    return fail(ConfigInvalid(fmt::format("smb.min_protocol {} is newer than smb.max_protocol {}",
                                          config.smb.min_protocol, config.smb.max_protocol)));
  }
  std::filesystem::path p(config.storage.path);
  if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
  config.storage.path = p.lexically_normal().string();
  // lexically_normal keeps a run of slashes ("////" stays so): drop every trailing one.
  while (config.storage.path.size() > 1 && config.storage.path.back() == '/') config.storage.path.pop_back();
  return config;
}

Result<Config> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return ConfigInvalid(fmt::format("{}: cannot read the config file ({}); create one with `nasd init`",
                                     path, std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > (1 << 20)) return ConfigInvalid(fmt::format("{}: file is larger than 1 MiB", path));
  auto base = std::filesystem::absolute(path).parent_path().string();
  return ParseConfig(text.str(), path, base);
}

}  // namespace nasd
