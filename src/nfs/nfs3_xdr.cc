#include "nfs/nfs3_xdr.h"

namespace nasd::nfs {
namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

// ftype3
uint32_t Ftype(vfs::FileType t) {
  switch (t) {
    case vfs::FileType::kRegular: return 1;
    case vfs::FileType::kDirectory: return 2;
    case vfs::FileType::kSymlink: return 5;
  }
  return 1;
}

// time_how
constexpr uint32_t kDontChange = 0;
constexpr uint32_t kSetToServerTime = 1;
constexpr uint32_t kSetToClientTime = 2;

vfs::TimeSpec ReadSetTime(XdrReader& in) {
  uint32_t how = in.U32();
  if (how == kDontChange) return {};
  if (how == kSetToServerTime) return vfs::TimeSpec::Now();
  if (how == kSetToClientTime) return vfs::TimeSpec::At(ReadNfsTime(in));
  in.Fail("time_how out of range");
  return {};
}

}  // namespace

void WriteNfsTime(XdrWriter& out, int64_t ns) {
  if (ns < 0) ns = 0;  // nfstime3 is unsigned; pre-1970 times clamp to the epoch
  out.U32(static_cast<uint32_t>(ns / kNsPerSec));
  out.U32(static_cast<uint32_t>(ns % kNsPerSec));
}

int64_t ReadNfsTime(XdrReader& in) {
  int64_t sec = in.U32();
  int64_t nsec = in.U32();
  if (nsec >= kNsPerSec) in.Fail("nfstime3 nseconds out of range");
  return sec * kNsPerSec + nsec;
}

void WriteFattr(XdrWriter& out, const vfs::Attr& a, uint64_t fsid) {
  out.U32(Ftype(a.type));
  out.U32(a.mode & 07777);
  out.U32(a.nlink);
  out.U32(a.uid);
  out.U32(a.gid);
  out.U64(a.size);
  out.U64((a.size + 4095) & ~uint64_t{4095});  // used: inline data and holes make this an estimate
  out.U32(0);  // rdev
  out.U32(0);
  out.U64(fsid);
  out.U64(a.ino);
  WriteNfsTime(out, a.atime_ns);
  WriteNfsTime(out, a.mtime_ns);
  WriteNfsTime(out, a.ctime_ns);
}

void WritePostOpAttr(XdrWriter& out, const Result<vfs::Attr>& attr, uint64_t fsid) {
  out.Bool(attr.ok());
  if (attr.ok()) WriteFattr(out, *attr, fsid);
}

PreOp PreOp::Of(const Result<vfs::Attr>& attr) {
  if (!attr.ok()) return {};
  return PreOp{true, attr->size, attr->mtime_ns, attr->ctime_ns};
}

void WriteWcc(XdrWriter& out, const PreOp& before, const Result<vfs::Attr>& after, uint64_t fsid) {
  out.Bool(before.present);
  if (before.present) {
    out.U64(before.size);
    WriteNfsTime(out, before.mtime_ns);
    WriteNfsTime(out, before.ctime_ns);
  }
  WritePostOpAttr(out, after, fsid);
}

vfs::SetAttrRequest ReadSattr(XdrReader& in) {
  vfs::SetAttrRequest r;
  if (in.Bool()) r.mode = in.U32() & 07777;
  if (in.Bool()) r.uid = in.U32();
  if (in.Bool()) r.gid = in.U32();
  if (in.Bool()) r.size = in.U64();
  r.atime = ReadSetTime(in);
  r.mtime = ReadSetTime(in);
  return r;
}

}  // namespace nasd::nfs
