// A raw NFSv3 client for the integration test's crash check (libnfs's tools
// choose their own stable_how): MNT /SHARE, then on file NAME in its root
//   commit DATA     CREATE (unchecked), WRITE UNSTABLE, COMMIT
//   unstable DATA   CREATE (unchecked), WRITE UNSTABLE, no COMMIT
//   verifier        COMMIT only
// and print the write verifier (hex) the server answered.
// Usage: nfs_commit_tool PORT SHARE NAME commit|unstable|verifier [DATA]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "nfs/rpc_test_util.h"

namespace {

using namespace nasd::nfs;
using namespace nasd::nfs::testing;

std::string Call(RawClient& c, uint32_t prog, uint32_t vers, uint32_t proc, const std::string& args) {
  static uint32_t xid = 1;
  if (!c.Send(MakeCall({.xid = xid++, .prog = prog, .vers = vers, .proc = proc, .cred_flavor = 1,
                        .cred = AuthSysBody(0, 0), .args = args}))) {
    std::fprintf(stderr, "send failed\n");
    std::exit(1);
  }
  auto rec = c.Receive();
  if (!rec) {
    std::fprintf(stderr, "no reply\n");
    std::exit(1);
  }
  Reply r = ParseReply(*rec);
  if (!r.accepted || r.stat != 0) {
    std::fprintf(stderr, "rpc refused (stat %u)\n", r.stat);
    std::exit(1);
  }
  return r.body;
}

void Check(XdrReader& r, const char* what) {
  uint32_t stat = r.U32();
  if (stat != 0) {
    std::fprintf(stderr, "%s: nfsstat3 %u\n", what, stat);
    std::exit(1);
  }
}

void SkipWcc(XdrReader& r) {
  if (r.Bool()) r.FixedOpaque(24);
  if (r.Bool()) r.FixedOpaque(84);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s PORT SHARE NAME commit|unstable|verifier [DATA]\n", argv[0]);
    return 2;
  }
  RawClient c(static_cast<uint16_t>(std::atoi(argv[1])));
  if (!c.ok()) return 1;
  const std::string mode = argv[4];
  const std::string data = argc > 5 ? argv[5] : "";
  XdrWriter mnt;
  mnt.Opaque(std::string("/") + argv[2]);
  std::string body = Call(c, 100005, 3, 1, mnt.Take());
  XdrReader m(body);
  Check(m, "MNT");
  std::string root(m.Opaque(64));

  XdrWriter create;  // CREATE UNCHECKED: an existing file is reused
  create.Opaque(root);
  create.Opaque(argv[3]);
  create.U32(0);
  for (int i = 0; i < 4; ++i) create.Bool(false);
  create.U32(0);
  create.U32(0);
  body = Call(c, 100003, 3, 8, create.Take());
  XdrReader cr(body);
  Check(cr, "CREATE");
  cr.Bool();
  std::string fh(cr.Opaque(64));

  std::string verf;
  if (mode == "commit" || mode == "unstable") {
    XdrWriter w;
    w.Opaque(fh);
    w.U64(0);
    w.U32(static_cast<uint32_t>(data.size()));
    w.U32(0);  // UNSTABLE
    w.Opaque(data);
    body = Call(c, 100003, 3, 7, w.Take());
    XdrReader wr(body);
    Check(wr, "WRITE");
    SkipWcc(wr);
    wr.U32();
    wr.U32();
    verf = std::string(wr.FixedOpaque(8));
  }
  if (mode == "commit" || mode == "verifier") {
    XdrWriter w;
    w.Opaque(fh);
    w.U64(0);
    w.U32(0);
    body = Call(c, 100003, 3, 21, w.Take());
    XdrReader cm(body);
    Check(cm, "COMMIT");
    SkipWcc(cm);
    verf = std::string(cm.FixedOpaque(8));
  }
  for (unsigned char ch : verf) std::printf("%02x", ch);
  std::printf("\n");
  return 0;
}
