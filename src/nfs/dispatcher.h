// Routes decoded RPC calls to the programs served on one listener (NFS,
// MOUNT, portmap) and turns every failure into the RPC reply RFC 5531
// prescribes. Pure: no sockets, so hostile records are tested directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nfs/rpc.h"
#include "nfs/xdr.h"

namespace nasd::nfs {

// Where a call came from; exports match the address.
struct Peer {
  std::string address;  // textual IP ("127.0.0.1", "::1")
  uint16_t port = 0;
};

// How long a call may wait, by where the server runs it. A procedure that
// would wait longer answers ProcOutcome::WouldBlock, having changed nothing,
// and the server runs it again on a worker with Wait::kAny.
enum class Wait {
  kAny,    // on a worker: as long as the work takes
  // On the network thread, among other calls (RpcProgram::MayTryQuick): not
  // for a disk sync, a lock or chunk data.
  kNone,
  // On the network thread of a server with no other call to answer
  // (RpcProgram::MayRunBrief): for about one metadata commit (a disk sync),
  // not for work that grows with a file's size (flushing a large buffer).
  // Answering there saves the two thread wake-ups of a hand-off to a worker
  // and back (docs/format/nfs.md: 21% more small files created per second
  // where the sync is fast).
  kBrief,
};

struct RpcCall {
  const CallHeader& header;
  const Peer& peer;
  Wait wait = Wait::kAny;
};

// What a procedure answered: SUCCESS with results written to `out`, or an
// RPC-level error (GARBAGE_ARGS for undecodable args, an auth error).
struct ProcOutcome {
  AcceptStat accept = AcceptStat::kSuccess;
  AuthStat auth = AuthStat::kOk;  // non-ok: MSG_DENIED AUTH_ERROR instead
  bool would_block = false;       // a call that must run again on a worker

  static ProcOutcome Ok() { return {}; }
  static ProcOutcome Garbage() { return {AcceptStat::kGarbageArgs, AuthStat::kOk}; }
  static ProcOutcome SystemErr() { return {AcceptStat::kSystemErr, AuthStat::kOk}; }
  static ProcOutcome Auth(AuthStat s) { return {AcceptStat::kSuccess, s}; }
  static ProcOutcome WouldBlock() { return {AcceptStat::kSuccess, AuthStat::kOk, true}; }
};

// One RPC program at one range of versions.
// Thread-safe: Call runs concurrently on worker threads.
class RpcProgram {
 public:
  virtual ~RpcProgram() = default;
  virtual uint32_t program() const = 0;
  virtual uint32_t min_version() const = 0;
  virtual uint32_t max_version() const = 0;
  // True if proc exists in this version (PROC_UNAVAIL otherwise).
  virtual bool HasProcedure(uint32_t vers, uint32_t proc) const = 0;
  // Names for metrics and logs: the program ("nfs") and a procedure that
  // HasProcedure accepts ("GETATTR").
  virtual std::string_view name() const = 0;
  virtual std::string_view ProcedureName(uint32_t proc) const = 0;
  // True if proc never waits for a disk sync or chunk data (it reads
  // metadata at most), so a server may run it on its network thread instead
  // of handing it to a worker, which costs a thread wake-up per call.
  virtual bool IsQuick(uint32_t /*vers*/, uint32_t /*proc*/) const { return false; }
  // True if proc often completes without waiting (a WRITE into the write
  // buffer, a COMMIT of a file with nothing buffered): a server may try it
  // on its network thread with Wait::kNone, and runs it again on a
  // worker when it answers WouldBlock.
  virtual bool MayTryQuick(uint32_t /*vers*/, uint32_t /*proc*/) const { return false; }
  // True if proc usually takes about one metadata commit (a CREATE, a
  // COMMIT of a small file): when nothing else is waiting, a server may run
  // it on its network thread with Wait::kBrief, and on a worker when it
  // answers WouldBlock.
  virtual bool MayRunBrief(uint32_t /*vers*/, uint32_t /*proc*/) const { return false; }
  // Decodes args, runs the procedure and encodes its results into out.
  virtual ProcOutcome Call(const RpcCall& call, XdrReader& args, XdrWriter& out) = 0;
};

// One call a program ran, as an observer sees it (metrics).
struct CallSummary {
  std::string_view program;
  std::string_view procedure;
  AcceptStat accept = AcceptStat::kSuccess;
  bool auth_error = false;
  std::chrono::nanoseconds duration{0};  // the procedure alone, not the queue
};

class Dispatcher {
 public:
  // Programs must outlive the dispatcher.
  void Add(RpcProgram* program) { programs_.push_back(program); }
  // Called (on the worker thread) after every call a program ran; set before
  // the first call.
  void SetObserver(std::function<void(const CallSummary&)> observer) { observer_ = std::move(observer); }

  // The complete reply record for one request record, or nullopt when the
  // record deserves no reply (not a call). Never throws; logs at debug level
  // why a call was refused. The reply's bulk data (READ) stays in the
  // message's tail, so a server sends it with a gathering write.
  // wait other than kAny: try the call with that much waiting (RpcCall::wait);
  // if the procedure would wait longer, *deferred is set and nothing is
  // returned (nor observed): run the record again with kAny, on a worker.
  std::optional<XdrMessage> HandleMessage(std::string_view record, const Peer& peer, Wait wait = Wait::kAny,
                                          bool* deferred = nullptr) const;
  // Where a server may run record, from the call header only: on its
  // network thread (RpcProgram::IsQuick), tried there first (MayTryQuick),
  // run there when the server is idle (MayRunBrief); else on a worker.
  struct Route {
    bool quick = false;
    bool try_quick = false;
    bool brief = false;
  };
  Route RouteOf(std::string_view record) const;
  // As HandleMessage, the reply as one string.
  std::optional<std::string> Handle(std::string_view record, const Peer& peer) const;

 private:
  std::vector<RpcProgram*> programs_;
  std::function<void(const CallSummary&)> observer_;
};

}  // namespace nasd::nfs
