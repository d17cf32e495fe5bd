// FSSTAT, FSINFO and PATHCONF: properties of the share.
#include "nfs/nfs3_call.h"

namespace nasd::nfs::nfs3 {
namespace {

constexpr uint32_t kIoMax = 1 << 20;  // 1 MiB reads and writes
constexpr uint32_t kIoMult = 4096;
constexpr uint32_t kDirPref = 64 << 10;
// FSINFO properties
constexpr uint32_t kLink = 0x1, kSymlink = 0x2, kHomogeneous = 0x8, kCanSetTime = 0x10;

}  // namespace

ProcOutcome Fsstat(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view fh = ReadHandle(in);
  if (!in.ok()) return ProcOutcome::Garbage();
  auto o = call.ResolveOrFail(fh, out, FailBody::kAttr);
  if (!o) return ProcOutcome::Ok();
  auto st = o->fs->StatFs();
  if (!st.ok()) return FailWithAttr(out, Nfs3StatOf(st.status()), *o);
  out.U32(kNfs3Ok);
  WritePostOpAttr(out, o->attr, o->fsid());
  out.U64(st->total_bytes);
  out.U64(st->free_bytes);
  out.U64(st->free_bytes);  // abytes: no reserved space for root
  out.U64(st->total_files);
  out.U64(st->free_files);
  out.U64(st->free_files);
  out.U32(0);  // invarsec: may change at any time
  return ProcOutcome::Ok();
}

ProcOutcome Fsinfo(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view fh = ReadHandle(in);
  if (!in.ok()) return ProcOutcome::Garbage();
  auto o = call.ResolveOrFail(fh, out, FailBody::kAttr);
  if (!o) return ProcOutcome::Ok();
  out.U32(kNfs3Ok);
  WritePostOpAttr(out, o->attr, o->fsid());
  out.U32(kIoMax);   // rtmax
  out.U32(kIoMax);   // rtpref
  out.U32(kIoMult);  // rtmult
  out.U32(kIoMax);   // wtmax
  out.U32(kIoMax);   // wtpref
  out.U32(kIoMult);  // wtmult
  out.U32(kDirPref);
  out.U64(vfs::kMaxFileSize);
  out.U32(0);  // time_delta: nanosecond timestamps
  out.U32(1);
  out.U32(kLink | kSymlink | kHomogeneous | kCanSetTime);
  return ProcOutcome::Ok();
}

ProcOutcome Pathconf(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view fh = ReadHandle(in);
  if (!in.ok()) return ProcOutcome::Garbage();
  auto o = call.ResolveOrFail(fh, out, FailBody::kAttr);
  if (!o) return ProcOutcome::Ok();
  out.U32(kNfs3Ok);
  WritePostOpAttr(out, o->attr, o->fsid());
  out.U32(vfs::kMaxLinks);
  out.U32(static_cast<uint32_t>(vfs::kMaxNameLength));
  out.Bool(true);   // no_trunc: long names are refused, not truncated
  out.Bool(true);   // chown_restricted
  out.Bool(false);  // case_insensitive
  out.Bool(true);   // case_preserving
  return ProcOutcome::Ok();
}

}  // namespace nasd::nfs::nfs3
