// Registration with the host's portmapper (rpcbind) through portmap v2
// SET/UNSET over TCP, so that `mount HOST:/share` finds NFS and MOUNT when
// rpcbind runs. Best effort: without a portmapper the server still serves
// clients that name the port.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace nasd::nfs {

struct PortmapperAddress {
  std::string host = "127.0.0.1";
  uint16_t port = 111;
};

// Maps NFS v3 and MOUNT v3 over TCP to nfs_port (replacing stale mappings
// of an earlier process). kNetworkError if no portmapper answers within a
// second; kFailedPrecondition if it refuses the mapping.
Status RegisterWithPortmapper(const PortmapperAddress& at, uint16_t nfs_port);
// Removes the mappings (at shutdown).
Status UnregisterFromPortmapper(const PortmapperAddress& at);

}  // namespace nasd::nfs
