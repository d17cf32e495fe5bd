#include <pthread.h>
#include <strings.h>
#include <signal.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>
#include <thread>
#include <fmt/format.h>

#include "api/api.h"
#include "cli/build_info.h"
#include "cli/commands.h"
#include "cli/serve_smb.h"
#include "cli/services.h"
#include "common/logging.h"
#include "http/server.h"
#include "nfs/nfs_server.h"
#include "nfs/portmap_program.h"
#include "meta/snapshot_schedule.h"
#include "meta/snapshot_scheduler.h"
#include "vfs/gc/collector.h"
#include "vfs/scrub/scrubber.h"
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

// Command-line overrides of the nfs section.
struct NfsFlags {
  bool enable = false;
  bool portmap = false;
  std::string listen;
};

// Command-line overrides of the smb section.
struct SmbFlags {
  bool enable = false;
  std::vector<std::string> share_names;
  int port = 0;  // 0: keep smb.listen's
  std::string listen;
};

Status ApplySmbFlags(const SmbFlags& f, SmbConfig& smb) {
  if (f.enable) smb.enabled = true;
  if (!f.listen.empty()) {
    if (auto hp = ParseHostPort(f.listen); !hp.ok() || hp->port == 0) {
      return InvalidArgument(fmt::format("--smb-listen: {}", hp.ok() ? "needs a port" : hp.status().message()));
    }
    smb.listen = f.listen;
  }
  if (f.port != 0) {
    if (f.port < 1 || f.port > 65535) return InvalidArgument(fmt::format("--smb-port {} is outside 1..65535", f.port));
    NASD_ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(smb.listen));
    const bool v6 = hp.host.find(':') != std::string::npos;
    smb.listen = v6 ? fmt::format("[{}]:{}", hp.host, f.port) : fmt::format("{}:{}", hp.host, f.port);
  }
  for (const std::string& name : f.share_names) {
    SmbShareConfig share;
    share.name = name;
    share.share = name;
    NASD_RETURN_IF_ERROR(ValidateSmbShare(share, "--smb-share-name"));
    bool known = std::any_of(smb.shares.begin(), smb.shares.end(),
                             [&](const SmbShareConfig& s) { return strcasecmp(s.name.c_str(), name.c_str()) == 0; });
    if (!known) smb.shares.push_back(share);
  }
  return Status::Ok();
}

// The NFS server over the same share mounts as WebDAV; null when disabled.
Result<std::unique_ptr<nfs::NfsServer>> StartNfs(const Config& c, vfs::ShareMounts& mounts,
                                                 metrics::Registry& metrics) {
  if (!c.nfs.enabled) return std::unique_ptr<nfs::NfsServer>();
  NASD_ASSIGN_OR_RETURN(HostPort listen, ParseHostPort(c.nfs.listen));
  nfs::NfsServerOptions o;
  o.rpc.host = listen.host;
  o.rpc.port = listen.port;
  o.rpc.worker_threads = c.nfs.worker_threads;
  o.rpc.busy_poll = std::chrono::microseconds(c.nfs.busy_poll_us);
  o.rpc.idle_timeout = c.nfs.idle_timeout;
  o.rpc.max_connections_per_client = c.nfs.max_connections_per_client;
  o.rpc.drain_timeout = c.http.drain_timeout;
  NASD_ASSIGN_OR_RETURN(o.exports, nfs::ExportsFromConfig(c.nfs));
  if (o.exports.empty()) log::Warn("nfs.no_exports").Str("advice", "add nfs.exports to the config");
  o.mount = [&mounts](std::string_view share) { return mounts.Get(share); };
  o.metrics = &metrics;
  if (c.nfs.portmap) {
    o.portmap_port = nfs::kPortmapPort;
  } else {
    o.rpcbind = nfs::PortmapperAddress{};  // the host's rpcbind, if it runs
  }
  auto server = std::make_unique<nfs::NfsServer>(std::move(o));
  NASD_RETURN_IF_ERROR(server->Start().WithContext(fmt::format("nfs listen on {}", c.nfs.listen)));
  log::Info("nfs.listening")
      .Str("address", listen.host)
      .Uint("port", server->port())
      .Uint("portmap_port", server->portmap_port())
      .Uint("exports", c.nfs.exports.size());
  return server;
}

// The collector's and scrubber's totals on /metrics. Both must outlive the
// scrapes (the server stops before they go).
void RegisterBackgroundMetrics(metrics::Registry& registry, vfs::gc::Collector& collector,
                               vfs::scrub::Scrubber& scrubber) {
  registry.AddCounterCallback("nasd_scrub_chunks_verified_total", "Chunks the scrubber re-verified.",
                              [&scrubber] { return static_cast<double>(scrubber.Totals().chunks_verified); });
  registry.AddCounterCallback("nasd_scrub_corruptions_total", "Damaged chunks the scrubber found.",
                              [&scrubber] { return static_cast<double>(scrubber.Totals().corruptions); });
  registry.AddCounterCallback("nasd_gc_passes_total", "Garbage collector passes.",
                              [&collector] { return static_cast<double>(collector.Totals().passes); });
  registry.AddCounterCallback("nasd_gc_chunks_deleted_total", "Chunks deleted by the garbage collector.",
                              [&collector] { return static_cast<double>(collector.Totals().chunks_deleted); });
  registry.AddCounterCallback("nasd_gc_versions_pruned_total",
                              "Record versions dropped after snapshot deletes.",
                              [&collector] { return static_cast<double>(collector.Totals().versions_dropped); });
  registry.AddGaugeCallback("nasd_gc_pending_chunks",
                            "Unreferenced chunks waiting for their grace period (at the last pass).",
                            [&collector] { return static_cast<double>(collector.Totals().pending_chunks); });
  registry.AddGaugeCallback("nasd_gc_pending_bytes",
                            "Data bytes of the unreferenced chunks not yet deleted (at the last pass).",
                            [&collector] { return static_cast<double>(collector.Totals().pending_bytes); });
  registry.AddCounterCallback("nasd_gc_reclaimed_bytes_total",
                              "Data bytes of the chunks the garbage collector deleted.",
                              [&collector] { return static_cast<double>(collector.Totals().reclaimed_bytes); });
}

// snapshots.schedules: each share named there gets exactly its configured
// schedules, replacing what the API stored; other shares keep theirs. A
// share that does not exist is logged and skipped (applied at the next start
// after it is created).
void ApplyConfiguredSchedules(const Config& config, meta::ShareStore& shares, kv::KvEngine& kv) {
  std::map<std::string, std::vector<SnapshotSchedule>> by_share;
  for (const ShareSnapshotSchedule& s : config.snapshots.schedules) by_share[s.share].push_back(s.schedule);
  for (const auto& [name, schedules] : by_share) {
    Result<meta::ShareInfo> share = shares.Get(name);
    Status st = share.ok() ? meta::PutSchedules(kv, share->id, schedules) : share.status();
    if (!st.ok()) {
      log::Warn("snapshot.config_schedules_skipped").Str("share", name).Err(st);
      continue;
    }
    log::Info("snapshot.config_schedules").Str("share", name).Int("schedules", schedules.size());
  }
}

int Serve(const GlobalOptions& global, const NfsFlags& nfs_flags, const SmbFlags& smb_flags) {
  auto config = LoadConfigAndLogging(global);
  if (!config.ok()) return Fail(kExitUsage, config.status().message());
  if (nfs_flags.enable) config->nfs.enabled = true;
  if (nfs_flags.portmap) config->nfs.portmap = true;
  if (!nfs_flags.listen.empty()) {
    if (auto hp = ParseHostPort(nfs_flags.listen); !hp.ok()) {
      return Fail(kExitUsage, fmt::format("--nfs-listen: {}", hp.status().message()));
    }
    config->nfs.listen = nfs_flags.listen;
  }
  if (Status st = ApplySmbFlags(smb_flags, config->smb); !st.ok()) return Fail(kExitUsage, st.message());
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
  auto mounts = std::make_unique<vfs::ShareMounts>(*s.kv, *s.chunks, ShareMountsOptionsFrom(*config, s));
  // A snapshot holds every completed write: the share's buffers land first.
  ctx.flush_share = [&mounts](std::string_view share) -> Status {
    NASD_ASSIGN_OR_RETURN(std::shared_ptr<vfs::Filesystem> fs, mounts->Get(share));
    return fs->FlushAll();
  };
  ctx.share_deleted = [&mounts](uint64_t share_id) { mounts->Forget(share_id); };
  // Started once serving; stopped before the KV closes.
  vfs::gc::CollectorOptions gc_options;
  gc_options.grace = config->gc.grace;
  gc_options.buffered_bytes = [&mounts] {
    return static_cast<uint64_t>(std::max<int64_t>(0, mounts->budget().used()));
  };
  vfs::gc::Collector collector(*s.kv, *s.chunks, vfs::gc::ProcessPins(), gc_options);
  ctx.run_gc = [&collector](bool dry_run) -> Result<std::string> {
    NASD_ASSIGN_OR_RETURN(vfs::gc::GcReport report, collector.RunOnce(dry_run));
    return report.ToJson();
  };
  meta::SnapshotScheduler scheduler(*s.kv, ctx.flush_share);
  vfs::scrub::Scrubber scrubber(*s.kv, *s.chunks, vfs::scrub::ScrubOptions{.bytes_per_sec = config->scrub.rate});
  ApplyConfiguredSchedules(*config, *s.shares, *s.kv);
  RegisterBackgroundMetrics(*s.metrics, collector, scrubber);
  webdav::WebDav dav(DavContextFrom(*config, *mounts, *s.users));
  if (config->webdav.enabled) dav.RegisterRoutes(router);

  // Before the server (whose handlers call it), after the mounts (which it
  // mounts over FUSE): smbd stops and the shares unmount before the vfs
  // mounts commit and close.
  auto smb_service = StartSmb(*config, s, *mounts);
  if (!smb_service.ok()) {
    mounts.reset();
    Status closed = s.Close();
    closed.IgnoreError();  // the start failure is what the operator needs to see
    return Fail(kExitFailed, fmt::format("cannot serve SMB: {}", smb_service.status().message()));
  }
  if (*smb_service) {
    smb::SmbService* smb = smb_service->get();
    ctx.accounts_changed = [smb] {
      Status synced = smb->Sync();
      if (!synced.ok()) log::Error("smb.sync_failed").Err(synced);
    };
    ctx.services = [smb] { return SmbReports(*smb); };
  }

  http::Server server(ServerOptionsFrom(*config, *listen, *s.users), router, *s.metrics);
  Status st = server.Start();
  if (!st.ok()) {
    smb_service->reset();
    mounts.reset();
    Status closed = s.Close();
    closed.IgnoreError();  // the start failure is what the operator needs to see
    return Fail(kExitFailed, fmt::format("cannot serve on {}: {}", config->api.listen, st.message()));
  }
  auto nfs_server = StartNfs(*config, *mounts, *s.metrics);
  if (!nfs_server.ok()) {
    server.Stop();
    smb_service->reset();
    mounts.reset();
    Status closed = s.Close();
    closed.IgnoreError();  // the start failure is what the operator needs to see
    return Fail(kExitFailed, fmt::format("cannot serve NFS: {}", nfs_server.status().message()));
  }
  log::Info("server.listening")
      .Str("url", fmt::format("http://{}:{}/", listen->host, server.port()))
      .Str("volume", s.volume.volume_id)
      .Str("storage", config->storage.path)
      .Str("version", build::kVersion);

  collector.Start(config->gc.interval);
  scheduler.Start(std::chrono::seconds(30));
  scrubber.Start(config->scrub.interval);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  scrubber.Stop();
  scheduler.Stop();
  collector.Stop();
  log::Info("server.draining").Str("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT").Int("in_flight", server.InFlight());
  if (*nfs_server) (*nfs_server)->Stop();
  if (*smb_service) (*smb_service)->Stop();  // smbd, its helpers, then the FUSE mounts
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
      "Serve the volume named in the config: HTTP (health, metrics, management API, WebDAV at\n"
      "/dav/SHARE/) and, with --nfs-enable or nfs.enabled, NFSv3 + MOUNT v3 for nfs.exports;\n"
      "with --smb-enable or smb.enabled, SMB2/3 through a supervised smbd over FUSE mounts.\n"
      "SIGTERM or SIGINT drains in-flight requests, closes the metadata store cleanly and exits 0.");
  auto nfs_flags = std::make_shared<NfsFlags>();
  sub->add_flag("--nfs-enable", nfs_flags->enable, "Serve NFSv3 (and MOUNT v3) as well (config: nfs.enabled)");
  sub->add_flag("--nfs-portmap", nfs_flags->portmap,
                "Answer portmap v2 on port 111 so clients need no port options (config: nfs.portmap)");
  sub->add_option("--nfs-listen", nfs_flags->listen, "NFS address HOST:PORT (config: nfs.listen, default 0.0.0.0:2049)");
  auto smb_flags = std::make_shared<SmbFlags>();
  sub->add_flag("--smb-enable", smb_flags->enable, "Serve SMB through a supervised smbd (config: smb.enabled)");
  sub->add_option("--smb-share-name", smb_flags->share_names,
                  "Serve the nasd share NAME over SMB under the same name (repeatable; config: smb.shares)")
      ->allow_extra_args(false)
      ->type_name("NAME");
  sub->add_option("--smb-port", smb_flags->port, "SMB port (config: the port of smb.listen, default 445)");
  sub->add_option("--smb-listen", smb_flags->listen, "SMB address HOST:PORT (config: smb.listen, default 0.0.0.0:445)");
  sub->callback([&global, &run, nfs_flags, smb_flags] {
    run = [&global, nfs_flags, smb_flags] { return Serve(global, *nfs_flags, *smb_flags); };
  });
}

}  // namespace nasd::cli
