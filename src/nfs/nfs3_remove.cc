// REMOVE, RMDIR, RENAME and LINK.
#include "nfs/nfs3_call.h"

namespace nasd::nfs::nfs3 {
namespace {

// wcc_data of a directory an operation changed, or an empty one.
void WriteDirWcc(XdrWriter& out, const Resolved& r) {
  if (!r.ok()) return WriteEmptyBody(out, FailBody::kWcc);
  WriteWcc(out, PreOp::Of(r.obj.attr), r.obj.fs->GetAttr(r.obj.ino()), r.obj.fsid());
}

using NameOp = Status (vfs::Filesystem::*)(const vfs::Caller&, uint64_t, std::string_view);

ProcOutcome RemoveName(Call& call, XdrReader& in, XdrWriter& out, NameOp op) {
  std::string_view fh = ReadHandle(in);
  std::string_view name = in.Opaque(kMaxNameOnWire);
  if (!in.ok()) return ProcOutcome::Garbage();
  auto dir = call.ResolveOrFail(fh, out, FailBody::kWcc);
  if (!dir) return ProcOutcome::Ok();
  if (dir->read_only()) return FailWithWcc(out, kNfs3ErrRofs, *dir);
  Status st = (dir->fs.get()->*op)(dir->caller, dir->ino(), name);
  return FailWithWcc(out, st.ok() ? kNfs3Ok : Nfs3StatOf(st), *dir);  // the same body either way
}

}  // namespace

ProcOutcome Remove(Call& call, XdrReader& in, XdrWriter& out) {
  return RemoveName(call, in, out, &vfs::Filesystem::Unlink);
}

ProcOutcome Rmdir(Call& call, XdrReader& in, XdrWriter& out) {
  return RemoveName(call, in, out, &vfs::Filesystem::Rmdir);
}

ProcOutcome Rename(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view from_fh = ReadHandle(in);
  std::string_view from_name = in.Opaque(kMaxNameOnWire);
  std::string_view to_fh = ReadHandle(in);
  std::string_view to_name = in.Opaque(kMaxNameOnWire);
  if (!in.ok()) return ProcOutcome::Garbage();
  Resolved from = call.Resolve(from_fh);
  Resolved to = call.Resolve(to_fh);
  uint32_t stat = !from.ok() ? from.stat : to.stat;
  if (from.ok() && to.ok()) {
    if (from.obj.fsid() != to.obj.fsid()) {
      stat = static_cast<uint32_t>(ToNfs3Status(Code::kCrossDevice));
    } else if (from.obj.read_only()) {
      stat = kNfs3ErrRofs;
    } else {
      Status st = from.obj.fs->Rename(from.obj.caller, from.obj.ino(), from_name, to.obj.ino(), to_name);
      stat = st.ok() ? kNfs3Ok : Nfs3StatOf(st);
    }
  }
  out.U32(stat);
  WriteDirWcc(out, from);
  WriteDirWcc(out, to);
  return ProcOutcome::Ok();
}

ProcOutcome Link(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view file_fh = ReadHandle(in);
  std::string_view dir_fh = ReadHandle(in);
  std::string_view name = in.Opaque(kMaxNameOnWire);
  if (!in.ok()) return ProcOutcome::Garbage();
  Resolved file = call.Resolve(file_fh);
  Resolved dir = call.Resolve(dir_fh);
  uint32_t stat = !file.ok() ? file.stat : dir.stat;
  Result<vfs::Attr> linked = Status(Code::kStale, "");
  if (file.ok() && dir.ok()) {
    if (file.obj.fsid() != dir.obj.fsid()) {
      stat = static_cast<uint32_t>(ToNfs3Status(Code::kCrossDevice));
    } else if (dir.obj.read_only()) {
      stat = kNfs3ErrRofs;
    } else {
      linked = dir.obj.fs->Link(dir.obj.caller, file.obj.ino(), dir.obj.ino(), name);
      stat = linked.ok() ? kNfs3Ok : Nfs3StatOf(linked.status());
    }
  }
  out.U32(stat);
  if (file.ok()) {
    WritePostOpAttr(out, file.obj.fs->GetAttr(file.obj.ino()), file.obj.fsid());
  } else {
    out.Bool(false);
  }
  WriteDirWcc(out, dir);
  return ProcOutcome::Ok();
}

}  // namespace nasd::nfs::nfs3
