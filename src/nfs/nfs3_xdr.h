// NFSv3 data types on the wire (RFC 1813 section 2.5-2.6): attributes,
// weak cache consistency data, settable attributes and statuses.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.h"
#include "nfs/xdr.h"
#include "vfs/types.h"

namespace nasd::nfs {

// nfsstat3 values that no nasd Code maps to (the rest come from
// ToNfs3Status, the error table's NFS column).
enum Nfs3Stat : uint32_t {
  kNfs3Ok = 0,
  kNfs3ErrPerm = 1,
  kNfs3ErrNoEnt = 2,
  kNfs3ErrIo = 5,
  kNfs3ErrAcces = 13,
  kNfs3ErrExist = 17,
  kNfs3ErrNotDir = 20,
  kNfs3ErrInval = 22,
  kNfs3ErrRofs = 30,
  kNfs3ErrNameTooLong = 63,
  kNfs3ErrStale = 70,
  kNfs3ErrBadHandle = 10001,
  kNfs3ErrNotSync = 10002,
  kNfs3ErrBadCookie = 10003,
  kNfs3ErrNotSupp = 10004,
  kNfs3ErrTooSmall = 10005,
  kNfs3ErrServerFault = 10006,
  kNfs3ErrBadType = 10007,
};

inline uint32_t Nfs3StatOf(const Status& st) { return static_cast<uint32_t>(ToNfs3Status(st.code())); }

// Limits of names and paths on the wire; longer ones are garbage. Lengths
// the vfs refuses (a 300-byte name) reach it and get its error.
inline constexpr size_t kMaxNameOnWire = 1024;
inline constexpr size_t kMaxPathOnWire = 4096;

void WriteNfsTime(XdrWriter& out, int64_t ns);
// fattr3; fsid is the share id.
void WriteFattr(XdrWriter& out, const vfs::Attr& a, uint64_t fsid);
// post_op_attr: the attributes if attr holds them, else "no attributes".
void WritePostOpAttr(XdrWriter& out, const Result<vfs::Attr>& attr, uint64_t fsid);

// wcc_attr of an object before an operation (pre_op_attr).
struct PreOp {
  bool present = false;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  static PreOp Of(const Result<vfs::Attr>& attr);
};
// wcc_data: pre_op_attr then post_op_attr.
void WriteWcc(XdrWriter& out, const PreOp& before, const Result<vfs::Attr>& after, uint64_t fsid);

// sattr3 decoded into a vfs request.
vfs::SetAttrRequest ReadSattr(XdrReader& in);

// nfstime3 as nanoseconds.
int64_t ReadNfsTime(XdrReader& in);

}  // namespace nasd::nfs
