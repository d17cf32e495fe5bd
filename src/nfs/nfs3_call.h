// Private to the NFSv3 procedures (nfs3_*.cc): the shared base every
// procedure runs on. It turns a file handle into an object of an exported
// share with the caller's mapped identity (checking the client's network on
// every call), and names the procedures.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "nfs/dispatcher.h"
#include "nfs/export_table.h"
#include "nfs/file_handle.h"
#include "nfs/nfs3_xdr.h"

namespace nasd::nfs::nfs3 {

// An object a handle names, resolved for this call.
struct Object {
  const Export* exp = nullptr;
  std::shared_ptr<vfs::Filesystem> fs;
  FileHandle fh;
  vfs::Caller caller;
  vfs::Attr attr;  // as resolved: the pre-operation attributes


  uint64_t ino() const { return fh.ino; }
  uint64_t fsid() const { return fh.share_id; }
  bool read_only() const { return exp->rules.read_only; }
  // The handle of another object of the same share and view.
  std::string HandleOf(const vfs::Attr& a) const {
    return FileHandle{fh.share_id, fh.view, a.ino, a.generation}.Encode();
  }
};

// The outcome of resolving a handle: stat 0 and the object, or an nfsstat3.
struct Resolved {
  uint32_t stat = kNfs3Ok;
  Object obj;
  bool ok() const { return stat == kNfs3Ok; }
};

// The failure body a procedure answers with besides its status, when the
// handle does not resolve: an absent post_op_attr or an empty wcc_data.
enum class FailBody { kAttr, kWcc };

class Call {
 public:
  Call(const RpcCall& rpc, ExportTable& exports, const std::string& verifier)
      : rpc_(rpc), exports_(exports), verifier_(verifier) {}

  // Decodes handle bytes: BADHANDLE if malformed, STALE if the share is no
  // longer exported, the inode is gone or its generation differs, ACCES if
  // the client's network may not reach the share.
  Resolved Resolve(std::string_view handle);
  // Resolve, and on failure write the status and the empty body; nullopt then.
  std::optional<Object> ResolveOrFail(std::string_view handle, XdrWriter& out, FailBody body);

  const std::string& verifier() const { return verifier_; }
  const RpcCall& rpc() const { return rpc_; }
  // On the network thread among other calls: answer ProcOutcome::WouldBlock
  // rather than wait (Wait::kNone).
  bool nowait() const { return rpc_.wait == Wait::kNone; }
  // On the network thread of an idle server: WouldBlock rather than do work
  // that grows with a file's size (Wait::kBrief).
  bool brief() const { return rpc_.wait == Wait::kBrief; }

 private:
  const RpcCall& rpc_;
  ExportTable& exports_;
  const std::string& verifier_;
};

// Failure replies about a resolved object: the status, then its attributes
// as resolved (post_op_attr), or its wcc_data (pre: as resolved, post: now).
ProcOutcome FailWithAttr(XdrWriter& out, uint32_t stat, const Object& o);
ProcOutcome FailWithWcc(XdrWriter& out, uint32_t stat, const Object& o);
// The empty failure body (status, then no attributes) for a handle that did
// not resolve.
void WriteEmptyBody(XdrWriter& out, FailBody body);

using Proc = ProcOutcome (*)(Call& call, XdrReader& in, XdrWriter& out);

// nfs3_attr.cc
ProcOutcome Getattr(Call&, XdrReader&, XdrWriter&);
ProcOutcome Setattr(Call&, XdrReader&, XdrWriter&);
ProcOutcome Access(Call&, XdrReader&, XdrWriter&);
// nfs3_lookup.cc
ProcOutcome Lookup(Call&, XdrReader&, XdrWriter&);
ProcOutcome Readlink(Call&, XdrReader&, XdrWriter&);
// nfs3_io.cc
ProcOutcome Read(Call&, XdrReader&, XdrWriter&);
ProcOutcome Write(Call&, XdrReader&, XdrWriter&);
ProcOutcome Commit(Call&, XdrReader&, XdrWriter&);
// nfs3_create.cc
ProcOutcome Create(Call&, XdrReader&, XdrWriter&);
ProcOutcome Mkdir(Call&, XdrReader&, XdrWriter&);
ProcOutcome Symlink(Call&, XdrReader&, XdrWriter&);
ProcOutcome Mknod(Call&, XdrReader&, XdrWriter&);
// nfs3_remove.cc
ProcOutcome Remove(Call&, XdrReader&, XdrWriter&);
ProcOutcome Rmdir(Call&, XdrReader&, XdrWriter&);
ProcOutcome Rename(Call&, XdrReader&, XdrWriter&);
ProcOutcome Link(Call&, XdrReader&, XdrWriter&);
// nfs3_readdir.cc
ProcOutcome Readdir(Call&, XdrReader&, XdrWriter&);
ProcOutcome Readdirplus(Call&, XdrReader&, XdrWriter&);
// nfs3_fsinfo.cc
ProcOutcome Fsstat(Call&, XdrReader&, XdrWriter&);
ProcOutcome Fsinfo(Call&, XdrReader&, XdrWriter&);
ProcOutcome Pathconf(Call&, XdrReader&, XdrWriter&);

// Reads an nfs_fh3 (opaque<64>).
inline std::string_view ReadHandle(XdrReader& in) { return in.Opaque(kMaxFileHandleSize); }

}  // namespace nasd::nfs::nfs3
