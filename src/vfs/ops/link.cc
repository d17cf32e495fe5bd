#include <fmt/format.h>

#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Result<Attr> Link(OpContext& ctx, const Caller& caller, uint64_t ino, uint64_t new_parent,
                  std::string_view new_name) {
  if (IsDots(new_name)) return AlreadyExists(fmt::format("'{}' always exists", new_name));
  NASD_RETURN_IF_ERROR(CheckName(new_name));
  Attr out;
  NASD_RETURN_IF_ERROR(ctx.Write([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
    // An open file whose last link is gone cannot be linked again (linkat(2)
    // gives ENOENT unless it was made with O_TMPFILE).
    if (rec.nlink == 0) return NotFound(fmt::format("inode {} has been removed", ino));
    NASD_ASSIGN_OR_RETURN(InodeRecord dir, LoadDir(txn, new_parent));
    NASD_RETURN_IF_ERROR(CheckAccess(caller, dir, kAccessExec));
    NASD_ASSIGN_OR_RETURN(auto existing, txn.GetEntry(new_parent, new_name));
    if (existing) return AlreadyExists(fmt::format("'{}' exists", new_name));
    NASD_RETURN_IF_ERROR(CheckAccess(caller, dir, kAccessWrite | kAccessExec));
    if (rec.type == FileType::kDirectory)
      return Status(Code::kNotPermitted, "hard links to directories are not allowed");
    if (rec.nlink >= kMaxLinks)
      return Status(Code::kTooManyLinks, fmt::format("inode {} has too many links", ino));
    const int64_t now = ctx.now();
    ++rec.nlink;
    rec.ctime_ns = now;
    NASD_RETURN_IF_ERROR(txn.PutInode(ino, rec));
    NASD_RETURN_IF_ERROR(txn.PutEntry(new_parent, new_name, meta::DirEntryRecord{ino, rec.type}));
    NASD_RETURN_IF_ERROR(txn.TouchDir(new_parent, now));
    out = ToAttr(ino, rec);
    return Status::Ok();
  }));
  return out;
}

}  // namespace nasd::vfs::ops
