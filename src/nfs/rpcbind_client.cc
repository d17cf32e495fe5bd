#include "nfs/rpcbind_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

#include "nfs/mount_program.h"
#include "nfs/nfs3_program.h"
#include "nfs/portmap_program.h"
#include "nfs/record_marking.h"
#include "nfs/rpc.h"

namespace nasd::nfs {
namespace {

constexpr uint32_t kSet = 1;
constexpr uint32_t kUnset = 2;

// A blocking connection with one-second timeouts; closed on destruction.
class Conn {
 public:
  ~Conn() {
    if (fd_ >= 0) close(fd_);
  }
  Status Open(const PortmapperAddress& at) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(at.port);
    if (inet_pton(AF_INET, at.host.c_str(), &a.sin_addr) != 1) {
      return InvalidArgument(fmt::format("portmapper host '{}' is not an IPv4 address", at.host));
    }
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return ErrnoStatus(errno, "socket");
    timeval tv{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      return NetworkError(fmt::format("no portmapper at {}:{}: {}", at.host, at.port, std::strerror(errno)));
    }
    return Status::Ok();
  }
  // Sends one call and returns the reply record.
  Result<std::string> Call(std::string_view record) {
    std::string framed = FrameRecord(record);
    for (std::string_view left = framed; !left.empty();) {
      ssize_t n = send(fd_, left.data(), left.size(), MSG_NOSIGNAL);
      if (n <= 0) return NetworkError(fmt::format("portmapper send: {}", std::strerror(errno)));
      left.remove_prefix(static_cast<size_t>(n));
    }
    RecordAssembler records(64 << 10);
    char buf[1024];
    for (;;) {
      if (auto rec = records.TakeRecord()) return std::move(*rec);
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return NetworkError("portmapper closed or timed out");
      std::string_view data(buf, static_cast<size_t>(n));
      while (!data.empty()) {
        data.remove_prefix(records.Feed(data));
        if (!records.status().ok()) return records.status();
        if (auto rec = records.TakeRecord()) return std::move(*rec);
      }
    }
  }

 private:
  int fd_ = -1;
};

// One SET or UNSET; returns the portmapper's boolean answer.
Result<bool> Change(Conn& conn, uint32_t xid, uint32_t proc, uint32_t prog, uint32_t vers, uint16_t port) {
  XdrWriter w;
  w.U32(xid);
  w.U32(kMsgCall);
  w.U32(kRpcVersion);
  w.U32(kPortmapProgram);
  w.U32(kPortmapVersion);
  w.U32(proc);
  // AUTH_SYS as root: rpcbind only lets privileged local callers register.
  XdrWriter cred;
  cred.U32(0);
  cred.Opaque("localhost");
  cred.U32(0);
  cred.U32(0);
  cred.U32(0);
  w.U32(static_cast<uint32_t>(AuthFlavor::kSys));
  w.Opaque(cred.buffer());
  w.U32(static_cast<uint32_t>(AuthFlavor::kNone));
  w.Opaque("");
  w.U32(prog);
  w.U32(vers);
  w.U32(kIpProtoTcp);
  w.U32(port);
  NASD_ASSIGN_OR_RETURN(std::string reply, conn.Call(w.buffer()));
  XdrReader r(reply);
  bool xid_ok = r.U32() == xid;
  bool is_reply = r.U32() == kMsgReply;
  bool accepted = r.U32() == 0;
  if (accepted) {
    r.U32();
    r.Opaque(kMaxAuthBytes);
  }
  uint32_t stat = r.U32();
  bool answer = r.Bool();
  if (!r.ok() || !xid_ok || !is_reply || !accepted || stat != 0) {
    return FailedPrecondition("portmapper refused the call");
  }
  return answer;
}

constexpr struct {
  uint32_t prog, vers;
} kPrograms[] = {{kNfsProgram, kNfsVersion}, {kMountProgram, kMountVersion}};

}  // namespace

Status RegisterWithPortmapper(const PortmapperAddress& at, uint16_t nfs_port) {
  Conn conn;
  NASD_RETURN_IF_ERROR(conn.Open(at));
  uint32_t xid = 1;
  for (const auto& p : kPrograms) {
    // A mapping left by a process that died is replaced: SET never overwrites.
    NASD_ASSIGN_OR_RETURN(bool unset, Change(conn, xid++, kUnset, p.prog, p.vers, 0));
    (void)unset;
    NASD_ASSIGN_OR_RETURN(bool set, Change(conn, xid++, kSet, p.prog, p.vers, nfs_port));
    if (!set) return FailedPrecondition(fmt::format("portmapper refused to map program {}", p.prog));
  }
  return Status::Ok();
}

Status UnregisterFromPortmapper(const PortmapperAddress& at) {
  Conn conn;
  NASD_RETURN_IF_ERROR(conn.Open(at));
  uint32_t xid = 100;
  for (const auto& p : kPrograms) {
    NASD_ASSIGN_OR_RETURN(bool unset, Change(conn, xid++, kUnset, p.prog, p.vers, 0));
    (void)unset;
  }
  return Status::Ok();
}

}  // namespace nasd::nfs
