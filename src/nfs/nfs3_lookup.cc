// LOOKUP and READLINK.
#include "nfs/nfs3_call.h"

namespace nasd::nfs::nfs3 {

ProcOutcome Lookup(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view fh = ReadHandle(in);
  std::string_view name = in.Opaque(kMaxNameOnWire);
  if (!in.ok()) return ProcOutcome::Garbage();
  auto dir = call.ResolveOrFail(fh, out, FailBody::kAttr);
  if (!dir) return ProcOutcome::Ok();
  auto found = dir->fs->Lookup(dir->caller, dir->ino(), name);
  if (!found.ok()) return FailWithAttr(out, Nfs3StatOf(found.status()), *dir);
  out.U32(kNfs3Ok);
  out.Opaque(dir->HandleOf(*found));
  WritePostOpAttr(out, *found, dir->fsid());
  WritePostOpAttr(out, dir->attr, dir->fsid());
  return ProcOutcome::Ok();
}

ProcOutcome Readlink(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view fh = ReadHandle(in);
  if (!in.ok()) return ProcOutcome::Garbage();
  auto o = call.ResolveOrFail(fh, out, FailBody::kAttr);
  if (!o) return ProcOutcome::Ok();
  auto target = o->fs->ReadLink(o->ino());
  if (!target.ok()) return FailWithAttr(out, Nfs3StatOf(target.status()), *o);
  out.U32(kNfs3Ok);
  WritePostOpAttr(out, o->attr, o->fsid());
  out.Opaque(*target);
  return ProcOutcome::Ok();
}

}  // namespace nasd::nfs::nfs3
