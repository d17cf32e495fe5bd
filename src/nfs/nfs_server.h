// NfsServer: NFSv3 and MOUNT v3 on one RPC listener, over the Filesystems
// of the exported shares. What `nasd serve --nfs-enable` runs, and what
// tests start in-process.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "common/config.h"
#include "metrics/metrics.h"
#include "nfs/export_table.h"
#include "nfs/rpcbind_client.h"
#include "nfs/server.h"

namespace nasd::nfs {

struct NfsServerOptions {
  RpcServerOptions rpc;
  std::vector<Export> exports;
  MountFn mount;  // the server's vfs::ShareMounts
  // Also answer portmap v2 on this port of rpc.host (111 in production);
  // the NFS listener answers portmap calls either way.
  std::optional<uint16_t> portmap_port;
  // Without portmap_port: register with the host's rpcbind here, if one
  // answers (best effort; logged), and unregister on Stop.
  std::optional<PortmapperAddress> rpcbind;
  // Calls are counted and timed here (nasd_nfs_*) when set; must outlive
  // the server.
  metrics::Registry* metrics = nullptr;
};

class NfsServer {
 public:
  explicit NfsServer(NfsServerOptions options);
  ~NfsServer();

  Status Start();
  void Stop();
  uint16_t port() const;
  // The portmap listener's port (0 without one).
  uint16_t portmap_port() const;
  size_t InFlight() const;

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

// The exports of the nfs config section (validated there) as rules.
Result<std::vector<Export>> ExportsFromConfig(const NfsConfig& config);

}  // namespace nasd::nfs
