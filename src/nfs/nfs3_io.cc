// READ, WRITE and COMMIT.
#include <algorithm>
#include <optional>

#include "nfs/nfs3_call.h"

namespace nasd::nfs::nfs3 {
namespace {

// stable_how
constexpr uint32_t kUnstable = 0;
constexpr uint32_t kFileSync = 2;

// FSINFO advertises this as rtmax and wtmax; larger requests are clamped
// (READ) or refused as garbage (WRITE data beyond the record limit).
constexpr uint32_t kMaxIo = 1 << 20;

// On the network thread (RpcCall::nowait) only READs and WRITEs up to this
// size: a long copy would hold up the other connections that thread reads.
constexpr uint32_t kQuickIoMax = 64 << 10;

// On the network thread of an idle server (RpcCall::brief) only a COMMIT or
// stable WRITE that flushes at most this much: a flush of a large buffer
// would hold up the calls that arrive meanwhile.
constexpr uint64_t kBriefFlushMax = kMaxIo;

// Whether flushing o's buffered writes, and `adding` more, is brief work;
// false as well when another thread is busy with the buffer.
bool FlushIsBrief(const Object& o, uint64_t adding) {
  std::optional<uint64_t> buffered = o.fs->FlushBytes(o.ino());
  return buffered && *buffered + adding <= kBriefFlushMax;
}

// As knfsd: the owner may read and write whatever the mode says, since the
// client already checked at open and an open file must keep working after
// fchmod(fd, 0). Everyone else needs the permission bit.
Status CheckIo(const Object& o, int mask) {
  if (o.attr.type == vfs::FileType::kDirectory) return Status(Code::kIsDirectory, "is a directory");
  if (o.attr.type != vfs::FileType::kRegular) return InvalidArgument("not a regular file");
  if (o.caller.uid == o.attr.uid) return Status::Ok();
  Status st = o.fs->Access(o.caller, o.ino(), mask);
  // Reading an executable the caller may run but not read is what a client
  // does when it executes it (knfsd allows it the same way).
  if (!st.ok() && mask == vfs::kAccessRead) st = o.fs->Access(o.caller, o.ino(), vfs::kAccessExec);
  return st;
}

}  // namespace

ProcOutcome Read(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view fh = ReadHandle(in);
  uint64_t offset = in.U64();
  uint32_t count = std::min(in.U32(), kMaxIo);
  if (!in.ok()) return ProcOutcome::Garbage();
  if (call.nowait() && count > kQuickIoMax) return ProcOutcome::WouldBlock();
  auto r = call.ResolveOrFail(fh, out, FailBody::kAttr);
  if (!r) return ProcOutcome::Ok();
  const Object& o = *r;
  Status allowed = CheckIo(o, vfs::kAccessRead);
  auto data = allowed.ok() ? o.fs->ReadShared(o.ino(), offset, count, call.nowait())
                           : Result<vfs::data::ReadBuffers>(allowed);
  if (data.status().code() == Code::kWouldBlock && call.nowait()) return ProcOutcome::WouldBlock();
  if (!data.ok()) return FailWithAttr(out, Nfs3StatOf(data.status()), o);
  // READ changes no attribute (the share is noatime), so those read when the
  // handle was resolved are the post-operation attributes: no second lookup.
  out.U32(kNfs3Ok);
  WritePostOpAttr(out, o.attr, o.fsid());
  const uint64_t got = data->size;
  out.U32(static_cast<uint32_t>(got));
  // EOF as of those attributes; a short read is the end in any case.
  out.Bool(got < count || offset + got >= o.attr.size);
  // Sent from the block cache's memory, not copied.
  out.OpaqueTail(std::move(data->parts));
  return ProcOutcome::Ok();
}

ProcOutcome Write(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view fh = ReadHandle(in);
  uint64_t offset = in.U64();
  uint32_t count = in.U32();
  uint32_t stable = in.U32();
  std::string_view data = in.Opaque(kMaxIo);
  if (in.ok() && (count > data.size() || stable > kFileSync)) in.Fail("write count or stable_how out of range");
  if (!in.ok()) return ProcOutcome::Garbage();
  data = data.substr(0, count);
  // On the network thread only small UNSTABLE writes: a sync waits.
  if (call.nowait() && (stable != kUnstable || count > kQuickIoMax)) return ProcOutcome::WouldBlock();
  auto r = call.ResolveOrFail(fh, out, FailBody::kWcc);
  if (!r) return ProcOutcome::Ok();
  const Object& o = *r;
  auto fail = [&](const Status& st) { return FailWithWcc(out, Nfs3StatOf(st), o); };
  if (o.read_only()) return FailWithWcc(out, kNfs3ErrRofs, o);
  if (Status st = CheckIo(o, vfs::kAccessWrite); !st.ok()) return fail(st);
  vfs::Attr before;  // taken atomically with the write (wcc_data)
  if (call.brief() && stable != kUnstable && !FlushIsBrief(o, count)) return ProcOutcome::WouldBlock();
  // Neither on the network thread waits for room in the write buffers.
  const bool limited = call.nowait() || call.brief();
  auto after = o.fs->Write(o.caller, o.ino(), offset, data, &before, limited);
  if (after.status().code() == Code::kWouldBlock && limited) return ProcOutcome::WouldBlock();
  if (!after.ok()) return fail(after.status());
  // DATA_SYNC and FILE_SYNC both commit data and metadata in one transaction.
  if (stable != kUnstable) {
    Status synced = o.fs->Fsync(o.ino());
    if (!synced.ok()) return fail(synced);
  }
  out.U32(kNfs3Ok);
  WriteWcc(out, PreOp::Of(before), after, o.fsid());
  out.U32(count);
  out.U32(stable == kUnstable ? kUnstable : kFileSync);
  out.FixedOpaque(call.verifier());
  return ProcOutcome::Ok();
}

ProcOutcome Commit(Call& call, XdrReader& in, XdrWriter& out) {
  std::string_view fh = ReadHandle(in);
  in.U64();  // offset and count: the whole file is committed
  in.U32();
  if (!in.ok()) return ProcOutcome::Garbage();
  auto o = call.ResolveOrFail(fh, out, FailBody::kWcc);
  if (!o) return ProcOutcome::Ok();
  // Nothing buffered: nothing to wait for (what was flushed is durable).
  if (call.nowait() && o->fs->HasBuffered(o->ino())) return ProcOutcome::WouldBlock();
  if (call.brief() && !FlushIsBrief(*o, 0)) return ProcOutcome::WouldBlock();
  Status synced = o->fs->Fsync(o->ino());
  if (!synced.ok()) return FailWithWcc(out, Nfs3StatOf(synced), *o);
  // Committing changes no attribute: GetAttr already saw the buffered writes.
  out.U32(kNfs3Ok);
  WriteWcc(out, PreOp::Of(o->attr), o->attr, o->fsid());
  out.FixedOpaque(call.verifier());
  return ProcOutcome::Ok();
}

}  // namespace nasd::nfs::nfs3
