#include <fmt/format.h>

#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Status Rmdir(OpContext& ctx, const Caller& caller, uint64_t parent, std::string_view name) {
  if (name == ".") return InvalidArgument("cannot remove '.'");
  if (name == "..") return NotEmpty("cannot remove '..'");
  NASD_RETURN_IF_ERROR(CheckName(name));
  return ctx.Write([&](ShareTxn& txn) -> Status {
    // HasEntries reads the victim's change stamp, which every entry change
    // in it writes: a concurrent create there makes this rmdir conflict.
    NASD_ASSIGN_OR_RETURN(Removal r, FindRemoval(txn, caller, parent, name));
    InodeRecord& dir = r.dir;
    InodeRecord& victim = r.victim;
    if (victim.type != FileType::kDirectory) {
      return Status(Code::kNotDirectory, fmt::format("'{}' is not a directory", name));
    }
    NASD_ASSIGN_OR_RETURN(bool has_entries, txn.HasEntries(r.ino));
    if (has_entries) return NotEmpty(fmt::format("directory '{}' is not empty", name));
    const int64_t now = ctx.now();
    NASD_RETURN_IF_ERROR(txn.EraseEntry(parent, name));
    NASD_RETURN_IF_ERROR(DropLink(ctx, txn, r.ino, victim, now));
    --dir.nlink;
    TouchDir(dir, now);
    return txn.PutInode(parent, dir);
  });
}

}  // namespace nasd::vfs::ops
