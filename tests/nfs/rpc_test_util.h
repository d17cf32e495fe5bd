// Builders for raw ONC RPC calls and a blocking TCP client, for tests that
// talk to the decoder and the server byte by byte.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "nfs/record_marking.h"
#include "nfs/xdr.h"

namespace nasd::nfs::testing {

inline std::string AuthSysBody(uint32_t uid, uint32_t gid, std::vector<uint32_t> gids = {},
                               std::string machine = "test") {
  XdrWriter w;
  w.U32(0);
  w.Opaque(machine);
  w.U32(uid);
  w.U32(gid);
  w.U32(static_cast<uint32_t>(gids.size()));
  for (uint32_t g : gids) w.U32(g);
  return w.Take();
}

struct CallSpec {
  uint32_t xid = 1;
  uint32_t rpcvers = 2;
  uint32_t prog = 0;
  uint32_t vers = 0;
  uint32_t proc = 0;
  uint32_t cred_flavor = 0;
  std::string cred;
  std::string args;
};

inline std::string MakeCall(const CallSpec& c) {
  XdrWriter w;
  w.U32(c.xid);
  w.U32(0);
  w.U32(c.rpcvers);
  w.U32(c.prog);
  w.U32(c.vers);
  w.U32(c.proc);
  w.U32(c.cred_flavor);
  w.Opaque(c.cred);
  w.U32(0);
  w.Opaque("");
  w.buffer().append(c.args);
  return w.Take();
}

// A decoded reply: xid, then either accepted (accept_stat + body) or denied.
struct Reply {
  uint32_t xid = 0;
  bool accepted = false;
  uint32_t stat = 0;  // accept_stat, or for denied: reject_stat
  std::string body;   // results (accepted) or the rest (denied)
};

inline Reply ParseReply(std::string_view rec) {
  XdrReader r(rec);
  Reply out;
  out.xid = r.U32();
  r.U32();  // REPLY
  uint32_t reply_stat = r.U32();
  out.accepted = reply_stat == 0;
  if (out.accepted) {
    r.U32();
    r.Opaque(400);
  }
  out.stat = r.U32();
  out.body = std::string(r.rest());
  return out;
}

// A blocking client on 127.0.0.1:port.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawClient() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return ok_; }
  int fd() const { return fd_; }

  bool SendRaw(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  bool Send(std::string_view record) { return SendRaw(FrameRecord(record)); }

  // Reads one record; empty optional on EOF or error.
  std::optional<std::string> Receive() {
    RecordAssembler a(64 << 20);
    char buf[4096];
    for (;;) {
      if (auto rec = a.TakeRecord()) return rec;
      if (!pending_.empty()) {
        pending_.erase(0, a.Feed(pending_));
        continue;
      }
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return std::nullopt;
      pending_.assign(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
  std::string pending_;
};

}  // namespace nasd::nfs::testing
