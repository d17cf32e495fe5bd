// ONC RPC version 2 messages (RFC 5531): call headers, credentials and the
// replies a server sends, accepted or denied.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "nfs/xdr.h"

namespace nasd::nfs {

inline constexpr uint32_t kRpcVersion = 2;
inline constexpr uint32_t kMsgCall = 0;
inline constexpr uint32_t kMsgReply = 1;

enum class AuthFlavor : uint32_t { kNone = 0, kSys = 1 };

// accept_stat
enum class AcceptStat : uint32_t {
  kSuccess = 0,
  kProgUnavail = 1,
  kProgMismatch = 2,
  kProcUnavail = 3,
  kGarbageArgs = 4,
  kSystemErr = 5,
};

// auth_stat
enum class AuthStat : uint32_t {
  kOk = 0,
  kBadCred = 1,
  kRejectedCred = 2,
  kBadVerf = 3,
  kRejectedVerf = 4,
  kTooWeak = 5,
};

// Limits of RFC 5531: opaque_auth bodies, AUTH_SYS machine names and groups.
inline constexpr size_t kMaxAuthBytes = 400;
inline constexpr size_t kMaxMachineName = 255;
inline constexpr size_t kMaxAuthSysGroups = 16;

// The caller's identity as AUTH_SYS states it (AUTH_NONE: flavor kNone and
// no ids; the export decides what an anonymous caller becomes).
struct Credentials {
  AuthFlavor flavor = AuthFlavor::kNone;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> gids;
  std::string machine;
};

struct CallHeader {
  uint32_t xid = 0;
  uint32_t prog = 0;
  uint32_t vers = 0;
  uint32_t proc = 0;
  Credentials cred;
};

// What decoding a record's call header found.
struct ParsedCall {
  enum class Kind {
    kCall,         // header ok; args follow in the reader
    kNotCall,      // a REPLY or garbage message type: dropped without answer
    kRpcMismatch,  // rpcvers != 2: reply MSG_DENIED RPC_MISMATCH
    kAuthError,    // bad or unsupported credentials: reply MSG_DENIED AUTH_ERROR
    kGarbage,      // header truncated after the xid: no trustworthy answer but GARBAGE_ARGS
  };
  Kind kind = Kind::kNotCall;
  CallHeader header;
  AuthStat auth = AuthStat::kOk;
  Status error;  // why, for the log
};

// Decodes the call header; on kCall the reader is positioned at the args.
ParsedCall ParseCall(XdrReader& in);

// Reply builders. Each returns the complete reply record (unframed).
// Accepted SUCCESS with the procedure's results already encoded.
std::string ReplySuccess(uint32_t xid, std::string_view results);
// Accepted errors without a body: PROG_UNAVAIL, PROC_UNAVAIL, GARBAGE_ARGS, SYSTEM_ERR.
std::string ReplyAccepted(uint32_t xid, AcceptStat stat);
std::string ReplyProgMismatch(uint32_t xid, uint32_t low, uint32_t high);
std::string ReplyRpcMismatch(uint32_t xid);
std::string ReplyAuthError(uint32_t xid, AuthStat stat);

// The accepted-reply prefix (xid, REPLY, MSG_ACCEPTED, AUTH_NONE verifier,
// SUCCESS), for callers that encode results straight after it.
void WriteSuccessHeader(XdrWriter& out, uint32_t xid);

}  // namespace nasd::nfs
