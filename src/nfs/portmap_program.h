// Portmapper version 2 (RFC 1833 section 3): tells clients which TCP port
// NFS v3 and MOUNT v3 listen on, so a plain `mount HOST:/share` works
// without port options when no rpcbind runs on the host. Registrations from
// other programs (SET, UNSET) are refused; CALLIT is not offered.
#pragma once

#include <atomic>
#include <cstdint>

#include "nfs/dispatcher.h"

namespace nasd::nfs {

inline constexpr uint32_t kPortmapProgram = 100000;
inline constexpr uint32_t kPortmapVersion = 2;
inline constexpr uint16_t kPortmapPort = 111;
inline constexpr uint32_t kIpProtoTcp = 6;

class PortmapProgram : public RpcProgram {
 public:
  // The NFS listener's port; set once it is bound.
  void set_nfs_port(uint16_t port) { nfs_port_ = port; }

  uint32_t program() const override { return kPortmapProgram; }
  uint32_t min_version() const override { return kPortmapVersion; }
  uint32_t max_version() const override { return kPortmapVersion; }
  bool HasProcedure(uint32_t, uint32_t proc) const override { return proc <= 4; }
  std::string_view name() const override { return "portmap"; }
  std::string_view ProcedureName(uint32_t proc) const override;
  bool IsQuick(uint32_t, uint32_t) const override { return true; }  // in-memory table
  ProcOutcome Call(const RpcCall& call, XdrReader& args, XdrWriter& out) override;

 private:
  std::atomic<uint16_t> nfs_port_{0};
};

}  // namespace nasd::nfs
