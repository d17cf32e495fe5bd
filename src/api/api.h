// The management and observability HTTP resources: /healthz, /readyz,
// /versionz, /metrics and /api/v1/... (one file per resource). Handlers run
// on the HTTP server's worker pool and reach storage only through the
// services in ApiContext.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "chunk/chunk_store.h"
#include "http/router.h"
#include "kv/kv_engine.h"
#include "meta/share_store.h"
#include "meta/user_store.h"
#include "meta/volume.h"
#include "metrics/metrics.h"

namespace nasd::api {

struct BuildInfo {
  std::string version;
  std::string git_commit;
  std::string build_time;
};

// One supervised service as /readyz and /api/v1/status show it.
struct ServiceReport {
  std::string name;   // "smb"
  bool ready = false;  // /readyz answers 503 unless every service is ready
  std::string json;   // a JSON object describing its state
};

// Everything the resources need. The referenced services must outlive the
// server that routes to these handlers.
struct ApiContext {
  kv::KvEngine* kv = nullptr;
  chunk::ChunkStore* chunks = nullptr;
  meta::ShareStore* shares = nullptr;
  meta::UserStore* users = nullptr;
  metrics::Registry* metrics = nullptr;
  meta::VolumeInfo volume;
  std::string storage_path;
  std::string backend = "local";
  BuildInfo build;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  uint64_t max_api_body = 1 << 20;
  // How long a successful /readyz storage probe is reused.
  std::chrono::milliseconds ready_cache_ttl{1000};
  // How long a /readyz request waits for the storage probe before it
  // answers 503 with the part still probed as degraded.
  std::chrono::milliseconds ready_probe_timeout{5000};
  // Commits the buffered writes of the named share, so that a snapshot taken
  // or restored next holds every completed write. Null: nothing buffers.
  std::function<Status(std::string_view share)> flush_share;
  // Called with a share's id once it is deleted, so that the protocol
  // adapters close what they hold open for it. Null: nothing is held.
  std::function<void(uint64_t share_id)> share_deleted;
  // Runs the garbage collector once (POST /api/v1/gc) and returns its report
  // as JSON; dry_run only explains. Null: 501.
  std::function<Result<std::string>(bool dry_run)> run_gc;
  // Runs after a user, grant or share changed (and before the reply), so
  // that other account databases follow: Samba's passdb and share access.
  // Null: nothing to keep in step.
  std::function<void()> accounts_changed;
  // Supervised child services (smbd) for /readyz and /api/v1/status. Null:
  // none.
  std::function<std::vector<ServiceReport>()> services;
};

// Adds every route. ctx must outlive router.
void RegisterRoutes(http::Router& router, const ApiContext& ctx);

// Gauges and counters for the chunk store and KV, read at scrape time.
void RegisterStorageMetrics(metrics::Registry& registry, kv::KvEngine& kv, chunk::ChunkStore& chunks);

// Authenticators for http::ServerOptions::authenticate. Management routes
// (/api/v1/...) answer only requests marked admin, whichever is installed.
//
// Accepts exactly "Authorization: Bearer <token>", compared in constant time,
// and marks the request admin (the token is the admin token). An empty token
// accepts nothing.
std::function<bool(http::Request&)> BearerAuthenticator(std::string token);
// Accepts "Authorization: Bearer <admin token>" (request.admin = true) or
// "Basic base64(user:password)" (RFC 7617; scheme case-insensitive) of a user
// in users (request.user = name). Anything else, malformed base64, no colon,
// or wrong credentials: refused. A UserStore failure refuses and is logged
// (never with the password). Costs one Argon2id verification per refused or
// first-seen Basic login (UserStore::Verify caches successes). users must
// outlive the returned function.
std::function<bool(http::Request&)> UserAuthenticator(std::string admin_token,
                                                      meta::UserStore& users);
// The same decision for http::ServerOptions::authenticate_quick: answers
// when no Argon2id verification is needed (the admin token, a cached Basic
// login), else nullopt (UserAuthenticator then decides on a worker).
std::function<std::optional<bool>(http::Request&)> QuickUserAuthenticator(
    std::string admin_token, meta::UserStore& users);
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace nasd::api
