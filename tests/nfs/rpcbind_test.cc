// Registration with the host's rpcbind, against a fake portmapper that
// records what it is told.
#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "nfs/mount_program.h"
#include "nfs/nfs3_program.h"
#include "nfs/nfs_server.h"
#include "nfs/portmap_program.h"

namespace nasd::nfs {
namespace {

struct Change {
  uint32_t proc, prog, vers, prot, port, uid;
  bool operator==(const Change&) const = default;
};

class FakePortmapper : public RpcProgram {
 public:
  uint32_t program() const override { return kPortmapProgram; }
  uint32_t min_version() const override { return 2; }
  uint32_t max_version() const override { return 2; }
  bool HasProcedure(uint32_t, uint32_t proc) const override { return proc <= 4; }
  std::string_view name() const override { return "test"; }
  std::string_view ProcedureName(uint32_t) const override { return "PROC"; }
  ProcOutcome Call(const RpcCall& call, XdrReader& in, XdrWriter& out) override {
    Change c{call.header.proc, in.U32(), in.U32(), in.U32(), in.U32(), call.header.cred.uid};
    if (!in.ok()) return ProcOutcome::Garbage();
    std::lock_guard lock(mu);
    changes.push_back(c);
    out.Bool(true);
    return ProcOutcome::Ok();
  }
  std::mutex mu;
  std::vector<Change> changes;
};

NfsServerOptions Options(std::optional<PortmapperAddress> rpcbind) {
  NfsServerOptions o;
  o.rpc.host = "127.0.0.1";
  o.rpc.port = 0;
  o.mount = [](std::string_view) -> Result<std::shared_ptr<vfs::Filesystem>> { return NotFound("none"); };
  o.rpcbind = std::move(rpcbind);
  return o;
}

TEST(Rpcbind, RegistersNfsAndMountAtStartAndUnregistersAtStop) {
  FakePortmapper fake;
  Dispatcher d;
  d.Add(&fake);
  RpcServer pm(RpcServerOptions{.host = "127.0.0.1", .port = 0}, d);
  ASSERT_TRUE(pm.Start().ok());
  NfsServer server(Options(PortmapperAddress{"127.0.0.1", pm.port()}));
  ASSERT_TRUE(server.Start().ok());
  const uint32_t port = server.port();
  {
    std::lock_guard lock(fake.mu);
    std::vector<Change> want = {
        {2, kNfsProgram, 3, kIpProtoTcp, 0, 0},   {1, kNfsProgram, 3, kIpProtoTcp, port, 0},
        {2, kMountProgram, 3, kIpProtoTcp, 0, 0}, {1, kMountProgram, 3, kIpProtoTcp, port, 0},
    };
    EXPECT_EQ(fake.changes, want);
    fake.changes.clear();
  }
  server.Stop();
  std::lock_guard lock(fake.mu);
  ASSERT_EQ(fake.changes.size(), 2u);
  EXPECT_EQ(fake.changes[0].proc, 2u);
  EXPECT_EQ(fake.changes[1].prog, kMountProgram);
}

TEST(Rpcbind, NoPortmapperIsNotAnError) {
  // A port nothing listens on: the server starts anyway.
  RpcServer probe(RpcServerOptions{.host = "127.0.0.1", .port = 0}, Dispatcher());
  ASSERT_TRUE(probe.Start().ok());
  uint16_t dead = probe.port();
  probe.Stop();
  NfsServer server(Options(PortmapperAddress{"127.0.0.1", dead}));
  EXPECT_TRUE(server.Start().ok());
}

}  // namespace
}  // namespace nasd::nfs
