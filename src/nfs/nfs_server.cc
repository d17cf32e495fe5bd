#include "nfs/nfs_server.h"

#include <fmt/format.h>

#include "common/logging.h"

#include "nfs/mount_program.h"
#include "nfs/nfs3_program.h"
#include "nfs/portmap_program.h"

namespace nasd::nfs {
namespace {

std::string_view ResultLabel(const CallSummary& call) {
  if (call.auth_error) return "auth_error";
  switch (call.accept) {
    case AcceptStat::kSuccess:
      return "ok";
    case AcceptStat::kGarbageArgs:
      return "garbage_args";
    case AcceptStat::kSystemErr:
      return "system_err";
    default:
      return "refused";
  }
}

// Calls by program, procedure and RPC result, and how long the procedures
// ran (NFS calls are often far below a millisecond, hence the low buckets).
void ObserveCalls(Dispatcher& dispatcher, metrics::Registry& registry) {
  auto& calls = registry.AddCounter("nasd_nfs_calls_total", "RPC calls answered on the NFS listener.",
                                    {"program", "procedure", "result"});
  auto& duration = registry.AddHistogram(
      "nasd_nfs_call_duration_seconds", "Time a procedure ran (queueing and sending not included).",
      {"program", "procedure"},
      {0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
       2.5, 5.0, 10.0});
  dispatcher.SetObserver([&calls, &duration](const CallSummary& call) {
    std::string program(call.program), procedure(call.procedure);
    calls.With({program, procedure, std::string(ResultLabel(call))}).Inc();
    duration.With({program, procedure}).Observe(std::chrono::duration<double>(call.duration).count());
  });
}

// The network thread's polling (nfs/busy_poll.h): whether it pays.
void CountBusyPolls(RpcServerOptions& rpc, metrics::Registry& registry) {
  auto stats = std::make_shared<BusyPollStats>();
  rpc.busy_poll_stats = stats;
  registry.AddCounterCallback("nasd_nfs_busy_polls_caught_total",
                              "Idle moments of the NFS network thread ended by a call found while polling.",
                              [stats] { return static_cast<double>(stats->caught.load()); });
  registry.AddCounterCallback("nasd_nfs_busy_polls_missed_total",
                              "Polls of the NFS network thread that found no call and slept after all.",
                              [stats] { return static_cast<double>(stats->missed.load()); });
}

}  // namespace

struct NfsServer::Parts {
  explicit Parts(NfsServerOptions o)
      : exports(std::move(o.exports), std::move(o.mount)), mount(exports), nfs(exports),
        rpcbind(o.portmap_port ? std::nullopt : o.rpcbind) {
    dispatcher.Add(&mount);
    dispatcher.Add(&nfs);
    dispatcher.Add(&portmap);
    if (o.metrics != nullptr) {
      ObserveCalls(dispatcher, *o.metrics);
      CountBusyPolls(o.rpc, *o.metrics);
    }
    if (o.portmap_port) {
      portmap_only.Add(&portmap);
      RpcServerOptions p = o.rpc;
      p.port = *o.portmap_port;
      p.worker_threads = 1;
      p.busy_poll = std::chrono::microseconds(0);
      p.busy_poll_stats = nullptr;
      portmap_server = std::make_unique<RpcServer>(std::move(p), portmap_only);
    }
    server = std::make_unique<RpcServer>(std::move(o.rpc), dispatcher);
  }
  ExportTable exports;
  MountProgram mount;
  Nfs3Program nfs;
  PortmapProgram portmap;
  const std::optional<PortmapperAddress> rpcbind;
  bool registered = false;
  Dispatcher dispatcher;
  Dispatcher portmap_only;
  // Declared last: stopped and destroyed first.
  std::unique_ptr<RpcServer> portmap_server;
  std::unique_ptr<RpcServer> server;
};

NfsServer::NfsServer(NfsServerOptions options) : parts_(std::make_unique<Parts>(std::move(options))) {}
NfsServer::~NfsServer() { Stop(); }
Status NfsServer::Start() {
  NASD_RETURN_IF_ERROR(parts_->server->Start());
  parts_->portmap.set_nfs_port(parts_->server->port());
  if (parts_->portmap_server) {
    Status st = parts_->portmap_server->Start();
    if (!st.ok()) {
      parts_->server->Stop();
      return st.WithContext("portmap");
    }
  }
  if (parts_->rpcbind) {
    Status st = RegisterWithPortmapper(*parts_->rpcbind, parts_->server->port());
    parts_->registered = st.ok();
    if (st.ok()) {
      log::Info("nfs.rpcbind_registered").Uint("port", parts_->server->port());
    } else {
      log::Info("nfs.rpcbind_unavailable").Str("advice", "clients must give the port, or use --nfs-portmap").Err(st);
    }
  }
  return Status::Ok();
}

void NfsServer::Stop() {
  if (parts_->registered) {
    parts_->registered = false;
    Status st = UnregisterFromPortmapper(*parts_->rpcbind);
    if (!st.ok()) log::Warn("nfs.rpcbind_unregister_failed").Err(st);
  }
  if (parts_->portmap_server) parts_->portmap_server->Stop();
  parts_->server->Stop();
}

uint16_t NfsServer::portmap_port() const {
  return parts_->portmap_server ? parts_->portmap_server->port() : 0;
}
uint16_t NfsServer::port() const { return parts_->server->port(); }
size_t NfsServer::InFlight() const { return parts_->server->InFlight(); }

Result<std::vector<Export>> ExportsFromConfig(const NfsConfig& config) {
  std::vector<Export> out;
  for (const NfsExportConfig& e : config.exports) {
    Export x;
    x.share = e.share;
    x.rules.read_only = e.read_only;
    x.rules.anonuid = e.anonuid;
    x.rules.anongid = e.anongid;
    NASD_ASSIGN_OR_RETURN(x.rules.squash, ParseSquash(e.squash));
    for (const std::string& net : e.networks) {
      auto cidr = Cidr::Parse(net);
      if (!cidr.ok()) return ConfigInvalid(fmt::format("nfs export '{}': {}", e.share, cidr.status().message()));
      x.rules.networks.push_back(*cidr);
    }
    x.network_text = e.networks;
    out.push_back(std::move(x));
  }
  return out;
}

}  // namespace nasd::nfs
