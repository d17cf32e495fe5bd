#include "nfs/rpc.h"

#include <fmt/format.h>

namespace nasd::nfs {
namespace {

constexpr uint32_t kMsgAccepted = 0;
constexpr uint32_t kMsgDenied = 1;
constexpr uint32_t kRpcMismatchStat = 0;
constexpr uint32_t kAuthErrorStat = 1;

// AUTH_SYS body (RFC 5531 appendix A): stamp, machinename<255>, uid, gid, gids<16>.
Result<Credentials> ParseAuthSys(std::string_view body) {
  XdrReader r(body);
  Credentials c;
  c.flavor = AuthFlavor::kSys;
  r.U32();  // stamp: arbitrary, unused
  c.machine = std::string(r.Opaque(kMaxMachineName));
  c.uid = r.U32();
  c.gid = r.U32();
  uint32_t n = r.U32();
  if (r.ok() && n > kMaxAuthSysGroups) r.Fail(fmt::format("{} auxiliary gids (max {})", n, kMaxAuthSysGroups));
  for (uint32_t i = 0; i < n && r.ok(); ++i) c.gids.push_back(r.U32());
  if (!r.ok()) return r.status().WithContext("auth_sys");
  if (r.remaining() != 0) return InvalidArgument("auth_sys: trailing bytes");
  return c;
}

void WriteReplyStart(XdrWriter& out, uint32_t xid, uint32_t reply_stat) {
  out.U32(xid);
  out.U32(kMsgReply);
  out.U32(reply_stat);
}

void WriteAcceptedStart(XdrWriter& out, uint32_t xid, AcceptStat stat) {
  WriteReplyStart(out, xid, kMsgAccepted);
  out.U32(static_cast<uint32_t>(AuthFlavor::kNone));  // verifier: AUTH_NONE, empty
  out.U32(0);
  out.U32(static_cast<uint32_t>(stat));
}

}  // namespace

ParsedCall ParseCall(XdrReader& in) {
  ParsedCall p;
  p.header.xid = in.U32();
  uint32_t type = in.U32();
  if (!in.ok() || type != kMsgCall) {
    p.kind = ParsedCall::Kind::kNotCall;
    p.error = in.ok() ? InvalidArgument(fmt::format("rpc: message type {} is not a call", type)) : in.status();
    return p;
  }
  uint32_t rpcvers = in.U32();
  p.header.prog = in.U32();
  p.header.vers = in.U32();
  p.header.proc = in.U32();
  if (!in.ok()) {
    p.kind = ParsedCall::Kind::kGarbage;
    p.error = in.status().WithContext("rpc call header");
    return p;
  }
  if (rpcvers != kRpcVersion) {
    p.kind = ParsedCall::Kind::kRpcMismatch;
    p.error = InvalidArgument(fmt::format("rpc: version {}", rpcvers));
    return p;
  }
  uint32_t cred_flavor = in.U32();
  std::string_view cred_body = in.Opaque(kMaxAuthBytes);
  uint32_t verf_flavor = in.U32();
  in.Opaque(kMaxAuthBytes);
  (void)verf_flavor;  // AUTH_NONE and AUTH_SYS calls carry no verifier we check
  if (!in.ok()) {
    // An oversized or truncated credential is the caller's authentication
    // being unreadable: RFC 5531 answers AUTH_BADCRED.
    p.kind = ParsedCall::Kind::kAuthError;
    p.auth = AuthStat::kBadCred;
    p.error = in.status().WithContext("rpc call header");
    return p;
  }
  if (cred_flavor == static_cast<uint32_t>(AuthFlavor::kNone)) {
    p.header.cred.flavor = AuthFlavor::kNone;
  } else if (cred_flavor == static_cast<uint32_t>(AuthFlavor::kSys)) {
    auto cred = ParseAuthSys(cred_body);
    if (!cred.ok()) {
      p.kind = ParsedCall::Kind::kAuthError;
      p.auth = AuthStat::kBadCred;
      p.error = cred.status();
      return p;
    }
    p.header.cred = std::move(*cred);
  } else {
    p.kind = ParsedCall::Kind::kAuthError;
    p.auth = AuthStat::kBadCred;
    p.error = InvalidArgument(fmt::format("rpc: unsupported auth flavor {}", cred_flavor));
    return p;
  }
  p.kind = ParsedCall::Kind::kCall;
  return p;
}

void WriteSuccessHeader(XdrWriter& out, uint32_t xid) { WriteAcceptedStart(out, xid, AcceptStat::kSuccess); }

std::string ReplySuccess(uint32_t xid, std::string_view results) {
  XdrWriter out;
  WriteSuccessHeader(out, xid);
  out.buffer().append(results);
  return out.Take();
}

std::string ReplyAccepted(uint32_t xid, AcceptStat stat) {
  XdrWriter out;
  WriteAcceptedStart(out, xid, stat);
  return out.Take();
}

std::string ReplyProgMismatch(uint32_t xid, uint32_t low, uint32_t high) {
  XdrWriter out;
  WriteAcceptedStart(out, xid, AcceptStat::kProgMismatch);
  out.U32(low);
  out.U32(high);
  return out.Take();
}

std::string ReplyRpcMismatch(uint32_t xid) {
  XdrWriter out;
  WriteReplyStart(out, xid, kMsgDenied);
  out.U32(kRpcMismatchStat);
  out.U32(kRpcVersion);
  out.U32(kRpcVersion);
  return out.Take();
}

std::string ReplyAuthError(uint32_t xid, AuthStat stat) {
  XdrWriter out;
  WriteReplyStart(out, xid, kMsgDenied);
  out.U32(kAuthErrorStat);
  out.U32(static_cast<uint32_t>(stat));
  return out.Take();
}

}  // namespace nasd::nfs
