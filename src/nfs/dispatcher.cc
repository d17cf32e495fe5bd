#include "nfs/dispatcher.h"

#include <exception>

#include "common/logging.h"

namespace nasd::nfs {

std::optional<std::string> Dispatcher::Handle(std::string_view record, const Peer& peer) const {
  std::optional<XdrMessage> reply = HandleMessage(record, peer);
  if (!reply) return std::nullopt;
  return std::move(*reply).Flatten();
}

Dispatcher::Route Dispatcher::RouteOf(std::string_view record) const {
  // xid, msg_type, rpcvers, prog, vers, proc: six words at fixed offsets.
  XdrReader in(record);
  in.U32();
  const uint32_t type = in.U32();
  in.U32();
  const uint32_t prog = in.U32(), vers = in.U32(), proc = in.U32();
  if (!in.ok() || type != kMsgCall) return {};
  for (RpcProgram* p : programs_) {
    if (p->program() == prog && vers >= p->min_version() && vers <= p->max_version()) {
      if (!p->HasProcedure(vers, proc)) return {};
      return {.quick = p->IsQuick(vers, proc),
              .try_quick = p->MayTryQuick(vers, proc),
              .brief = p->MayRunBrief(vers, proc)};
    }
  }
  return {};
}

std::optional<XdrMessage> Dispatcher::HandleMessage(std::string_view record, const Peer& peer, Wait wait,
                                                     bool* deferred) const {
  XdrReader in(record);
  ParsedCall parsed = ParseCall(in);
  const uint32_t xid = parsed.header.xid;
  switch (parsed.kind) {
    case ParsedCall::Kind::kNotCall:
      log::Debug("nfs.rpc_dropped").Str("peer", peer.address).Err(parsed.error);
      return std::nullopt;
    case ParsedCall::Kind::kRpcMismatch:
      log::Debug("nfs.rpc_mismatch").Str("peer", peer.address).Err(parsed.error);
      return XdrMessage{ReplyRpcMismatch(xid), {}};
    case ParsedCall::Kind::kAuthError:
      log::Debug("nfs.rpc_bad_cred").Str("peer", peer.address).Err(parsed.error);
      return XdrMessage{ReplyAuthError(xid, parsed.auth), {}};
    case ParsedCall::Kind::kGarbage:
      log::Debug("nfs.rpc_garbage").Str("peer", peer.address).Err(parsed.error);
      return XdrMessage{ReplyAccepted(xid, AcceptStat::kGarbageArgs), {}};
    case ParsedCall::Kind::kCall:
      break;
  }
  const CallHeader& h = parsed.header;
  RpcProgram* prog = nullptr;
  uint32_t low = UINT32_MAX, high = 0;
  for (RpcProgram* p : programs_) {
    if (p->program() != h.prog) continue;
    low = std::min(low, p->min_version());
    high = std::max(high, p->max_version());
    if (h.vers >= p->min_version() && h.vers <= p->max_version()) prog = p;
  }
  if (prog == nullptr) {
    if (high == 0) return XdrMessage{ReplyAccepted(xid, AcceptStat::kProgUnavail), {}};
    return XdrMessage{ReplyProgMismatch(xid, low, high), {}};
  }
  if (!prog->HasProcedure(h.vers, h.proc)) return XdrMessage{ReplyAccepted(xid, AcceptStat::kProcUnavail), {}};

  XdrWriter out;
  WriteSuccessHeader(out, xid);
  ProcOutcome outcome;
  const auto start = std::chrono::steady_clock::now();
  try {
    outcome = prog->Call(RpcCall{h, peer, wait}, in, out);
  } catch (const std::exception& e) {
    // Nothing below is expected to throw (bad_alloc at most); the client
    // gets SYSTEM_ERR instead of a worker thread dying.
    log::Error("nfs.call_threw").Uint("prog", h.prog).Uint("proc", h.proc).Str("what", e.what());
    outcome = ProcOutcome::SystemErr();
  }
  if (outcome.would_block) {
    if (wait != Wait::kAny && deferred != nullptr) {
      *deferred = true;
      return std::nullopt;
    }
    // Only a call with limited waiting may answer so: a procedure's bug, not
    // the client's.
    log::Error("nfs.would_block_on_worker").Uint("prog", h.prog).Uint("proc", h.proc);
    outcome = ProcOutcome::SystemErr();
  }
  if (observer_) {
    observer_(CallSummary{prog->name(), prog->ProcedureName(h.proc), outcome.accept, outcome.auth != AuthStat::kOk,
                          std::chrono::steady_clock::now() - start});
  }
  if (outcome.auth != AuthStat::kOk) return XdrMessage{ReplyAuthError(xid, outcome.auth), {}};
  if (outcome.accept != AcceptStat::kSuccess) {
    log::Debug("nfs.rpc_refused")
        .Str("peer", peer.address)
        .Uint("prog", h.prog)
        .Uint("proc", h.proc)
        .Uint("accept_stat", static_cast<uint32_t>(outcome.accept));
    return XdrMessage{ReplyAccepted(xid, outcome.accept), {}};
  }
  return out.TakeMessage();
}

}  // namespace nasd::nfs
