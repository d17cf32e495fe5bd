#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "api/api.h"
#include "cli/build_info.h"
#include "cli/commands.h"
#include "cli/services.h"
#include "common/logging.h"
#include "http/server.h"

namespace nasd::cli {
namespace {

http::ServerOptions ServerOptionsFrom(const Config& c, const HostPort& listen) {
  http::ServerOptions o;
  o.host = listen.host;
  o.port = listen.port;
  o.io_threads = c.http.io_threads;
  o.worker_threads = c.http.worker_threads;
  o.max_connections = c.http.max_connections;
  o.header_timeout = c.http.header_timeout;
  o.body_timeout = c.http.body_timeout;
  o.idle_timeout = c.http.idle_timeout;
  o.drain_timeout = c.http.drain_timeout;
  o.authenticate = api::BearerAuthenticator(c.api.admin_token);
  return o;
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
  ctx.metrics = s.metrics.get();
  ctx.volume = s.volume;
  ctx.storage_path = config->storage.path;
  ctx.backend = config->storage.backend;
  ctx.build = {build::kVersion, build::kGitCommit, build::kBuildTime};
  ctx.max_api_body = config->http.max_api_body;
  http::Router router;
  api::RegisterRoutes(router, ctx);

  http::Server server(ServerOptionsFrom(*config, *listen), router, *s.metrics);
  Status st = server.Start();
  if (!st.ok()) {
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
