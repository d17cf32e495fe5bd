// GETATTR, SETATTR and ACCESS.
#include "nfs/nfs3_call.h"

namespace nasd::nfs::nfs3 {
namespace {

// ACCESS3 bits
constexpr uint32_t kRead = 0x01;
constexpr uint32_t kLookup = 0x02;
constexpr uint32_t kModify = 0x04;
constexpr uint32_t kExtend = 0x08;
constexpr uint32_t kDelete = 0x10;
constexpr uint32_t kExecute = 0x20;

}  // namespace

ProcOutcome Getattr(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view fh = ReadHandle(in);
  if (!in.ok()) return ProcOutcome::Garbage();
  Resolved r = call.Resolve(fh);
  out.U32(r.stat);
  if (r.ok()) WriteFattr(out, r.obj.attr, r.obj.fsid());
  return ProcOutcome::Ok();
}

ProcOutcome Setattr(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view fh = ReadHandle(in);
  vfs::SetAttrRequest req = ReadSattr(in);
  bool guard = in.Bool();
  int64_t guard_ctime = guard ? ReadNfsTime(in) : 0;
  if (!in.ok()) return ProcOutcome::Garbage();
  auto o = call.ResolveOrFail(fh, out, FailBody::kWcc);
  if (!o) return ProcOutcome::Ok();
  if (o->read_only()) return FailWithWcc(out, kNfs3ErrRofs, *o);
  // The guard compares ctime as the client saw it, to the nanosecond, in the
  // change's own transaction; the pre-operation attributes come from there too.
  if (guard) req.if_ctime_ns = guard_ctime;
  vfs::Attr before;
  auto after = o->fs->SetAttr(o->caller, o->ino(), req, &before);
  if (!after.ok()) {
    if (guard && after.status().code() == Code::kFailedPrecondition) {
      return FailWithWcc(out, kNfs3ErrNotSync, *o);
    }
    return FailWithWcc(out, Nfs3StatOf(after.status()), *o);
  }
  out.U32(kNfs3Ok);
  WriteWcc(out, PreOp::Of(before), after, o->fsid());
  return ProcOutcome::Ok();
}

ProcOutcome Access(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view fh = ReadHandle(in);
  uint32_t want = in.U32();
  if (!in.ok()) return ProcOutcome::Garbage();
  auto o = call.ResolveOrFail(fh, out, FailBody::kAttr);
  if (!o) return ProcOutcome::Ok();
  auto allowed = [&](int mask) { return o->fs->Access(o->caller, o->ino(), mask).ok(); };
  const bool dir = o->attr.type == vfs::FileType::kDirectory;
  uint32_t granted = 0;
  if ((want & kRead) && allowed(vfs::kAccessRead)) granted |= kRead;
  if ((want & (kModify | kExtend | kDelete)) && !o->read_only() && allowed(vfs::kAccessWrite)) {
    granted |= want & (kModify | kExtend | (dir ? kDelete : 0));
  }
  if ((want & (kLookup | kExecute)) && allowed(vfs::kAccessExec)) {
    granted |= want & (dir ? kLookup : kExecute);
  }
  out.U32(kNfs3Ok);
  WritePostOpAttr(out, o->attr, o->fsid());
  out.U32(granted);
  return ProcOutcome::Ok();
}

}  // namespace nasd::nfs::nfs3
