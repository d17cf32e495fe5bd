// CREATE, MKDIR, SYMLINK and MKNOD: a new name in a directory, answered
// with the new object's handle and attributes and the directory's wcc_data.
#include <cstring>

#include "nfs/nfs3_call.h"

namespace nasd::nfs::nfs3 {
namespace {

// createmode3
constexpr uint32_t kUnchecked = 0;
constexpr uint32_t kGuarded = 1;
constexpr uint32_t kExclusive = 2;

constexpr int64_t kNsPerSec = 1'000'000'000;

// Success: post_op_fh3, post_op_attr of the new object, dir wcc_data.
ProcOutcome Created(XdrWriter& out, const Object& dir, const vfs::Attr& made) {
  out.U32(kNfs3Ok);
  out.Bool(true);
  out.Opaque(dir.HandleOf(made));
  WritePostOpAttr(out, made, dir.fsid());
  WriteWcc(out, PreOp::Of(dir.attr), dir.fs->GetAttr(dir.ino()), dir.fsid());
  return ProcOutcome::Ok();
}

// Applies what a create's sattr3 asks beyond the mode the object was made with.
Result<vfs::Attr> ApplyRest(const Object& dir, const vfs::Attr& made, vfs::SetAttrRequest req) {
  req.mode.reset();
  if (!req.uid && !req.gid && !req.size && req.atime.how == vfs::TimeSpec::How::kOmit &&
      req.mtime.how == vfs::TimeSpec::How::kOmit) {
    return made;
  }
  return dir.fs->SetAttr(dir.caller, made.ino, req);
}

// The EXCLUSIVE verifier lives in the new file's atime and mtime seconds (as
// Linux keeps it) until the client's follow-up SETATTR sets real times; a
// retransmitted CREATE finds it there and succeeds.
std::pair<int64_t, int64_t> VerifierTimes(std::string_view verf) {
  uint32_t hi = 0, lo = 0;
  std::memcpy(&hi, verf.data(), 4);
  std::memcpy(&lo, verf.data() + 4, 4);
  return {int64_t{hi} * kNsPerSec, int64_t{lo} * kNsPerSec};
}

}  // namespace

ProcOutcome Create(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view fh = ReadHandle(in);
  std::string_view name = in.Opaque(kMaxNameOnWire);
  uint32_t how = in.U32();
  vfs::SetAttrRequest sattr;
  std::string_view verf;
  if (how == kUnchecked || how == kGuarded) {
    sattr = ReadSattr(in);
  } else if (how == kExclusive) {
    verf = in.FixedOpaque(8);
  } else {
    in.Fail("createmode3 out of range");
  }
  if (!in.ok()) return ProcOutcome::Garbage();
  // UNCHECKED with a size may truncate an existing file: a record per block.
  if (call.brief() && how == kUnchecked && sattr.size) return ProcOutcome::WouldBlock();
  auto d = call.ResolveOrFail(fh, out, FailBody::kWcc);
  if (!d) return ProcOutcome::Ok();
  const Object& dir = *d;
  if (dir.read_only()) return FailWithWcc(out, kNfs3ErrRofs, dir);
  const uint32_t mode = sattr.mode.value_or(0644);
  auto made = dir.fs->Create(dir.caller, dir.ino(), name, mode, how != kUnchecked);
  if (how == kExclusive) {
    auto [atime, mtime] = VerifierTimes(verf);
    if (!made.ok() && made.status().code() == Code::kAlreadyExists) {
      auto existing = dir.fs->Lookup(dir.caller, dir.ino(), name);
      if (existing.ok() && existing->type == vfs::FileType::kRegular && existing->atime_ns == atime &&
          existing->mtime_ns == mtime) {
        return Created(out, dir, *existing);  // our own earlier reply was lost
      }
      return FailWithWcc(out, Nfs3StatOf(made.status()), dir);
    }
    if (!made.ok()) return FailWithWcc(out, Nfs3StatOf(made.status()), dir);
    vfs::SetAttrRequest times;
    times.atime = vfs::TimeSpec::At(atime);
    times.mtime = vfs::TimeSpec::At(mtime);
    auto stamped = dir.fs->SetAttr(vfs::Caller::Root(), made->attr.ino, times);
    if (!stamped.ok()) return FailWithWcc(out, Nfs3StatOf(stamped.status()), dir);
    return Created(out, dir, *stamped);
  }
  if (!made.ok()) return FailWithWcc(out, Nfs3StatOf(made.status()), dir);
  // UNCHECKED over an existing file: only a size (truncation) is applied,
  // as knfsd does; the rest of sattr describes a file that was not made.
  vfs::SetAttrRequest rest = sattr;
  if (!made->created) {
    rest = {};
    rest.size = sattr.size;
  }
  auto attr = ApplyRest(dir, made->attr, rest);
  if (!attr.ok()) return FailWithWcc(out, Nfs3StatOf(attr.status()), dir);
  return Created(out, dir, *attr);
}

ProcOutcome Mkdir(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view fh = ReadHandle(in);
  std::string_view name = in.Opaque(kMaxNameOnWire);
  vfs::SetAttrRequest sattr = ReadSattr(in);
  if (!in.ok()) return ProcOutcome::Garbage();
  auto d = call.ResolveOrFail(fh, out, FailBody::kWcc);
  if (!d) return ProcOutcome::Ok();
  const Object& dir = *d;
  if (dir.read_only()) return FailWithWcc(out, kNfs3ErrRofs, dir);
  auto made = dir.fs->Mkdir(dir.caller, dir.ino(), name, sattr.mode.value_or(0755));
  if (!made.ok()) return FailWithWcc(out, Nfs3StatOf(made.status()), dir);
  sattr.size.reset();
  auto attr = ApplyRest(dir, *made, sattr);
  if (!attr.ok()) return FailWithWcc(out, Nfs3StatOf(attr.status()), dir);
  return Created(out, dir, *attr);
}

ProcOutcome Symlink(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view fh = ReadHandle(in);
  std::string_view name = in.Opaque(kMaxNameOnWire);
  ReadSattr(in);  // a symlink's mode is meaningless; owner is the caller
  std::string_view target = in.Opaque(kMaxPathOnWire);
  if (!in.ok()) return ProcOutcome::Garbage();
  auto d = call.ResolveOrFail(fh, out, FailBody::kWcc);
  if (!d) return ProcOutcome::Ok();
  const Object& dir = *d;
  if (dir.read_only()) return FailWithWcc(out, kNfs3ErrRofs, dir);
  auto made = dir.fs->Symlink(dir.caller, dir.ino(), name, target);
  if (!made.ok()) return FailWithWcc(out, Nfs3StatOf(made.status()), dir);
  return Created(out, dir, *made);
}

ProcOutcome Mknod(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view fh = ReadHandle(in);
  in.Opaque(kMaxNameOnWire);
  uint32_t type = in.U32();
  // mknoddata3: devices carry sattr3 and specdata3, sockets and FIFOs sattr3.
  constexpr uint32_t kBlk = 3, kChr = 4, kSock = 6, kFifo = 7;
  if (type == kBlk || type == kChr) {
    ReadSattr(in);
    in.U32();
    in.U32();
  } else if (type == kSock || type == kFifo) {
    ReadSattr(in);
  }
  if (!in.ok()) return ProcOutcome::Garbage();
  auto d = call.ResolveOrFail(fh, out, FailBody::kWcc);
  if (!d) return ProcOutcome::Ok();
  const Object& dir = *d;
  if (dir.read_only()) return FailWithWcc(out, kNfs3ErrRofs, dir);
  // The vfs keeps regular files, directories and symlinks only.
  const bool special = type == kBlk || type == kChr || type == kSock || type == kFifo;
  return FailWithWcc(out, special ? kNfs3ErrNotSupp : kNfs3ErrBadType, dir);
}

}  // namespace nasd::nfs::nfs3
