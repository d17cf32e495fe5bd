// libFuzzer target for everything that decodes bytes a client sends before
// any file system is touched: record marking, the RPC call header and
// AUTH_SYS, the dispatcher's error replies, file handles, and the NFSv3
// argument types (sattr3, nfstime3). Built with clang by tests/fuzz/run_fuzz.sh
// (spec: rpc_decoder_fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "nfs/dispatcher.h"
#include "nfs/file_handle.h"
#include "nfs/nfs3_xdr.h"
#include "nfs/record_marking.h"

namespace {

using namespace nasd::nfs;

// Decodes its args as NFSv3 SETATTR does (handle, sattr3, guard).
class SetattrLike : public RpcProgram {
 public:
  uint32_t program() const override { return 100003; }
  uint32_t min_version() const override { return 3; }
  uint32_t max_version() const override { return 3; }
  bool HasProcedure(uint32_t, uint32_t proc) const override { return proc <= 21; }
  std::string_view name() const override { return "test"; }
  std::string_view ProcedureName(uint32_t) const override { return "PROC"; }
  ProcOutcome Call(const RpcCall&, XdrReader& in, XdrWriter& out) override {
    std::string_view fh = in.Opaque(kMaxFileHandleSize);
    (void)ReadSattr(in);
    if (in.Bool()) (void)ReadNfsTime(in);
    if (!in.ok()) return ProcOutcome::Garbage();
    auto decoded = FileHandle::Decode(fh);
    out.U32(decoded.ok() ? 0 : kNfs3ErrBadHandle);
    return ProcOutcome::Ok();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static SetattrLike program;
  static Dispatcher* dispatcher = [] {
    auto* d = new Dispatcher;
    d->Add(&program);
    return d;
  }();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Peer peer{"127.0.0.1", 1};
  // The input as one record, and as a framed stream of records.
  (void)dispatcher->Handle(bytes, peer);
  RecordAssembler records(1 << 16);
  while (!bytes.empty() && records.status().ok()) {
    bytes.remove_prefix(records.Feed(bytes));
    if (auto rec = records.TakeRecord()) (void)dispatcher->Handle(*rec, peer);
  }
  (void)FileHandle::Decode(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
