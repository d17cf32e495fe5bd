#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <thread>
#include <fmt/format.h>

#include "api/api.h"
#include "cli/build_info.h"
#include "cli/commands.h"
#include "cli/services.h"
#include "common/logging.h"
#include "http/server.h"
#include "vfs/share_mounts.h"
#include "webdav/webdav.h"

namespace nasd::cli {
namespace {

http::ServerOptions ServerOptionsFrom(const Config& c, const HostPort& listen, meta::UserStore& users) {
  http::ServerOptions o;
  o.host = listen.host;
  o.port = listen.port;
  o.io_threads = c.http.io_threads > 0
                     ? c.http.io_threads
                     : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 16u));
  o.worker_threads = c.http.worker_threads;
  o.max_connections = c.http.max_connections;
  o.header_timeout = c.http.header_timeout;
  o.body_timeout = c.http.body_timeout;
  o.idle_timeout = c.http.idle_timeout;
  o.drain_timeout = c.http.drain_timeout;
  // Bearer admin token or Basic user; /api/v1 answers admins only.
  o.authenticate = api::UserAuthenticator(c.api.admin_token, users);
  o.authenticate_quick = api::QuickUserAuthenticator(c.api.admin_token, users);
  return o;
}

// The admin acts as root with read-write access everywhere; a user acts as
// its own uid/gid with the access granted on the share (none: the share is
// hidden, answered 404 like a missing one).
webdav::DavContext DavContextFrom(const Config& c, vfs::ShareMounts& mounts, meta::UserStore& users) {
  webdav::DavContext d;
  d.mount = [&mounts](std::string_view share) { return mounts.Get(share); };
  d.authorize = [&users](const http::Request& req, std::string_view, uint64_t share_id) -> Result<webdav::DavGrant> {
    if (req.admin) return webdav::DavGrant{vfs::Caller::Root(), true};
    NASD_ASSIGN_OR_RETURN(auto record, users.Get(req.user));
    if (!record) return NotFound("no such share");
    NASD_ASSIGN_OR_RETURN(meta::ShareAccess access, users.Access(share_id, req.user));
    if (access == meta::ShareAccess::kNone) return NotFound("no such share");
    return webdav::DavGrant{vfs::Caller{record->uid, record->gid, {}}, access == meta::ShareAccess::kReadWrite};
  };
  d.allow_depth_infinity = c.webdav.allow_depth_infinity;
  d.max_xml_body = c.webdav.max_xml_body;
  d.send_mode = c.webdav.sendfile == "copy"         ? webdav::SendMode::kCopy
                : c.webdav.sendfile == "unverified" ? webdav::SendMode::kSendfile
                                                    : webdav::SendMode::kVerifiedSendfile;
  return d;
}

int Serve(const GlobalOptions& global) {
  auto config = LoadConfigAndLogging(global);
  if (!config.ok()) return Fail(kExitUsage, config.status().message());
  auto listen = ParseHostPort(config->api.listen);
  if (!listen.ok()) return Fail(kExitUsage, fmt::format("api.listen: {}", listen.status().message()));
  if (config->api.admin_token.empty()) {
    log::Warn("api.no_admin_token").Str("advice", "set api.admin_token; /api/v1 refuses every request");
  }

  // Block the stop signals before any thread starts so only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto services = OpenServices(*config);
  if (!services.ok()) return Fail(kExitFailed, services.status().message());
  Services& s = **services;

  api::ApiContext ctx;
  ctx.kv = s.kv.get();
  ctx.chunks = s.chunks.get();
  ctx.shares = s.shares.get();
  ctx.users = s.users.get();
  ctx.metrics = s.metrics.get();
  ctx.volume = s.volume;
  ctx.storage_path = config->storage.path;
  ctx.backend = config->storage.backend;
  ctx.build = {build::kVersion, build::kGitCommit, build::kBuildTime};
  ctx.max_api_body = config->http.max_api_body;
  http::Router router;
  api::RegisterRoutes(router, ctx);
  // Declared before the server, so destroyed after it: the mounts commit
  // every buffered write when they go.
  vfs::ShareMountsOptions mount_options;
  mount_options.filesystem.block_size = s.volume.block_size;
  if (config->storage.backend == "local") {
    mount_options.filesystem.space = [path = config->storage.path] { return StatFs(path); };
  }
  mount_options.dirty_budget_bytes = config->storage.write_buffer;
  mount_options.cache_bytes = config->storage.block_cache;
  auto mounts = std::make_unique<vfs::ShareMounts>(*s.kv, *s.chunks, mount_options);
  webdav::WebDav dav(DavContextFrom(*config, *mounts, *s.users));
  if (config->webdav.enabled) dav.RegisterRoutes(router);

  http::Server server(ServerOptionsFrom(*config, *listen, *s.users), router, *s.metrics);
  Status st = server.Start();
  if (!st.ok()) {
    mounts.reset();
    Status closed = s.Close();
    closed.IgnoreError();  // the start failure is what the operator needs to see
    return Fail(kExitFailed, fmt::format("cannot serve on {}: {}", config->api.listen, st.message()));
  }
  log::Info("server.listening")
      .Str("url", fmt::format("http://{}:{}/", listen->host, server.port()))
      .Str("volume", s.volume.volume_id)
      .Str("storage", config->storage.path)
      .Str("version", build::kVersion);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::Info("server.draining").Str("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT").Int("in_flight", server.InFlight());
  server.Stop();
  Status flushed = mounts->FlushAll();
  if (!flushed.ok()) log::Error("server.flush_failed").Err(flushed);
  mounts.reset();
  st = s.Close();
  if (!st.ok()) {
    log::Error("server.close_failed").Err(st);
    return kExitFailed;
  }
  log::Info("server.stopped");
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, const GlobalOptions& global, Runner& run) {
  auto* sub = app.add_subcommand(
      "serve",
      "Serve the volume named in the config over HTTP (health, metrics, management API).\n"
      "SIGTERM or SIGINT drains in-flight requests, closes the metadata store cleanly and exits 0.");
  sub->callback([&global, &run] { run = [&global] { return Serve(global); }; });
}

}  // namespace nasd::cli
