#include "nfs/portmap_program.h"

#include "nfs/mount_program.h"
#include "nfs/nfs3_program.h"

namespace nasd::nfs {
namespace {

enum PmapProc : uint32_t { kNull = 0, kSet = 1, kUnset = 2, kGetPort = 3, kDump = 4 };

struct Mapping {
  uint32_t prog;
  uint32_t vers;
};
// What this server serves over TCP.
constexpr Mapping kServed[] = {{kNfsProgram, kNfsVersion}, {kMountProgram, kMountVersion}};

}  // namespace

std::string_view PortmapProgram::ProcedureName(uint32_t proc) const {
  static constexpr std::string_view kNames[] = {"NULL", "SET", "UNSET", "GETPORT", "DUMP"};
  return proc < std::size(kNames) ? kNames[proc] : "unknown";
}

ProcOutcome PortmapProgram::Call(const RpcCall& call, XdrReader& args, XdrWriter& out) {
  const uint16_t port = nfs_port_.load();
  switch (call.header.proc) {
    case kNull: return ProcOutcome::Ok();
    case kSet:
    case kUnset:
      args.U32();
      args.U32();
      args.U32();
      args.U32();
      if (!args.ok()) return ProcOutcome::Garbage();
      out.Bool(false);  // this portmapper only knows nasd's own programs
      return ProcOutcome::Ok();
    case kGetPort: {
      uint32_t prog = args.U32();
      uint32_t vers = args.U32();
      uint32_t prot = args.U32();
      args.U32();  // port: ignored
      if (!args.ok()) return ProcOutcome::Garbage();
      uint32_t answer = 0;  // 0: not registered
      for (const Mapping& m : kServed) {
        if (m.prog == prog && m.vers == vers && prot == kIpProtoTcp) answer = port;
      }
      out.U32(answer);
      return ProcOutcome::Ok();
    }
    case kDump:
      for (const Mapping& m : kServed) {
        out.Bool(true);
        out.U32(m.prog);
        out.U32(m.vers);
        out.U32(kIpProtoTcp);
        out.U32(port);
      }
      out.Bool(false);
      return ProcOutcome::Ok();
    default: return ProcOutcome::Garbage();
  }
}

}  // namespace nasd::nfs
