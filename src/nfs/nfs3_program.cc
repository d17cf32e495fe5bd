#include "nfs/nfs3_program.h"

#include "common/logging.h"
#include "common/random.h"
#include "nfs/nfs3_call.h"

namespace nasd::nfs {
namespace {

std::string RandomVerifier() {
  std::string hex = RandomHex(8);
  std::string out;
  for (size_t i = 0; i < 16; i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

ProcOutcome Null(nfs3::Call&, XdrReader&, XdrWriter&) { return ProcOutcome::Ok(); }

// Indexed by procedure number (RFC 1813 section 3).
constexpr nfs3::Proc kProcs[] = {
    Null,          nfs3::Getattr, nfs3::Setattr, nfs3::Lookup,  nfs3::Access,  nfs3::Readlink,
    nfs3::Read,    nfs3::Write,   nfs3::Create,  nfs3::Mkdir,   nfs3::Symlink, nfs3::Mknod,
    nfs3::Remove,  nfs3::Rmdir,   nfs3::Rename,  nfs3::Link,    nfs3::Readdir, nfs3::Readdirplus,
    nfs3::Fsstat,  nfs3::Fsinfo,  nfs3::Pathconf, nfs3::Commit,
};
static_assert(std::size(kProcs) == 22);

constexpr std::string_view kProcNames[] = {
    "NULL",   "GETATTR", "SETATTR", "LOOKUP", "ACCESS", "READLINK", "READ",    "WRITE",
    "CREATE", "MKDIR",   "SYMLINK", "MKNOD",  "REMOVE", "RMDIR",    "RENAME",  "LINK",
    "READDIR", "READDIRPLUS", "FSSTAT", "FSINFO", "PATHCONF", "COMMIT",
};
static_assert(std::size(kProcNames) == std::size(kProcs));

}  // namespace

Nfs3Program::Nfs3Program(ExportTable& exports) : exports_(exports), verifier_(RandomVerifier()) {}

std::string_view Nfs3Program::ProcedureName(uint32_t proc) const {
  return proc < std::size(kProcNames) ? kProcNames[proc] : "unknown";
}

bool Nfs3Program::IsQuick(uint32_t, uint32_t proc) const {
  // Attribute and name reads; everything that writes (and READ, which may
  // wait for chunk data) goes to the workers.
  switch (proc) {
    case 0:   // NULL
    case 1:   // GETATTR
    case 3:   // LOOKUP
    case 4:   // ACCESS
    case 5:   // READLINK
    case 16:  // READDIR
    case 17:  // READDIRPLUS
    case 18:  // FSSTAT
    case 19:  // FSINFO
    case 20:  // PATHCONF
      return true;
    default:
      return false;
  }
}

bool Nfs3Program::MayTryQuick(uint32_t, uint32_t proc) const {
  // A small READ of cached bytes (a small file, a hot block), an UNSTABLE
  // WRITE that fits the file's buffer, a COMMIT of a file with nothing
  // buffered (the second COMMIT a client sends at close): each is a thread
  // wake-up cheaper on the network thread. Each answers WouldBlock when it
  // would wait (nfs3_io.cc).
  return proc == 6 || proc == 7 || proc == 21;  // READ, WRITE, COMMIT
}

bool Nfs3Program::MayRunBrief(uint32_t, uint32_t proc) const {
  // One metadata commit each. A WRITE or COMMIT that would flush a large
  // buffer, and a CREATE that would truncate an existing file, answer
  // WouldBlock (nfs3_io.cc, nfs3_create.cc). REMOVE, RMDIR, RENAME and
  // SETATTR are left out: dropping a large file's last link, or cutting it
  // short, erases a record per block.
  switch (proc) {
    case 7:   // WRITE
    case 8:   // CREATE
    case 9:   // MKDIR
    case 10:  // SYMLINK
    case 11:  // MKNOD
    case 21:  // COMMIT
      return true;
    default:
      return false;
  }
}

ProcOutcome Nfs3Program::Call(const RpcCall& call, XdrReader& args, XdrWriter& out) {
  nfs3::Call c(call, exports_, verifier_);
  ProcOutcome outcome = kProcs[call.header.proc](c, args, out);
  // A procedure may have decoded all it needed before noticing nothing; any
  // decoding failure makes the whole call garbage.
  if (!args.ok()) {
    log::Debug("nfs.garbage_args").Str("peer", call.peer.address).Uint("proc", call.header.proc).Err(args.status());
    return ProcOutcome::Garbage();
  }
  return outcome;
}

}  // namespace nasd::nfs
