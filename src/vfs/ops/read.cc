// Reads: buffered writes of the file are flushed first (a read sees every
// completed write), then the block map is read in one snapshot and the bytes
// are fetched outside it, through the block cache (data/block_cache.h).
#include <fmt/format.h>

#include "vfs/data/block_cache.h"
#include "vfs/data/file_data.h"
#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

namespace {

// The plan of a read from one snapshot of the block map (buffered writes
// not flushed).
Result<data::ReadPlan> PlanFromSnapshot(OpContext& ctx, uint64_t ino, uint64_t offset, uint64_t length) {
  length = std::min<uint64_t>(length, kMaxReadSize);
  data::ReadPlan plan;
  NASD_RETURN_IF_ERROR(ctx.Read([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
    NASD_RETURN_IF_ERROR(CheckRegular(ino, rec));
    NASD_ASSIGN_OR_RETURN(plan, data::PlanRead(txn, ino, rec.size, ctx.block_size, offset, length,
                                               ctx.readahead_blocks));
    return Status::Ok();
  }));
  return plan;
}

}  // namespace

Result<data::ReadPlan> MapRead(OpContext& ctx, uint64_t ino, uint64_t offset, uint64_t length) {
  NASD_RETURN_IF_ERROR(Flush(ctx, ino));
  return PlanFromSnapshot(ctx, ino, offset, length);
}

Result<data::ReadBuffers> ReadShared(OpContext& ctx, uint64_t ino, uint64_t offset, uint64_t length,
                                     bool nowait) {
  // A write completed before this read began is buffered now if it is not
  // committed: its flush is the wait a nowait read refuses.
  if (nowait && ctx.writeback.Find(ino) != nullptr) {
    return Status(Code::kWouldBlock, fmt::format("inode {} has buffered writes to flush", ino));
  }
  NASD_ASSIGN_OR_RETURN(data::ReadPlan plan, nowait ? PlanFromSnapshot(ctx, ino, offset, length)
                                                    : MapRead(ctx, ino, offset, length));
  length = std::min<uint64_t>(length, kMaxReadSize);
  // A refused nowait read leaves no trace: it is recorded once it succeeds.
  const bool sequential = nowait ? ctx.sequential.Peek(ino, offset) : ctx.sequential.Next(ino, offset, length);
  NASD_ASSIGN_OR_RETURN(data::ReadBuffers buffers, ctx.cache.ReadShared(plan, sequential, nowait));
  if (nowait) ctx.sequential.Next(ino, offset, length);
  return buffers;
}

Result<std::string> Read(OpContext& ctx, uint64_t ino, uint64_t offset, uint64_t length) {
  NASD_ASSIGN_OR_RETURN(data::ReadBuffers buffers, ReadShared(ctx, ino, offset, length));
  return buffers.Flatten();
}

}  // namespace nasd::vfs::ops
