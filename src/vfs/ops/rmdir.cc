#include <fmt/format.h>

#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Status Rmdir(OpContext& ctx, const Caller& caller, uint64_t parent, std::string_view name) {
  if (name == ".") return InvalidArgument("cannot remove '.'");
  if (name == "..") return NotEmpty("cannot remove '..'");
  NASD_RETURN_IF_ERROR(CheckName(name));
  return ctx.Write([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(InodeRecord dir, LoadDir(txn, parent));
    NASD_RETURN_IF_ERROR(CheckAccess(caller, dir, kAccessExec));
    NASD_ASSIGN_OR_RETURN(auto entry, txn.GetEntry(parent, name));
    if (!entry) return NotFound(fmt::format("no entry '{}' in directory {}", name, parent));
    NASD_RETURN_IF_ERROR(CheckAccess(caller, dir, kAccessWrite | kAccessExec));
    // Reading the victim's inode record guards its (unchecked) entry scan:
    // every entry change in it rewrites that record.
    NASD_ASSIGN_OR_RETURN(InodeRecord victim, LoadInode(txn, entry->ino));
    NASD_RETURN_IF_ERROR(CheckSticky(caller, dir, victim));
    if (victim.type != FileType::kDirectory) {
      return Status(Code::kNotDirectory, fmt::format("'{}' is not a directory", name));
    }
    NASD_ASSIGN_OR_RETURN(bool has_entries, txn.HasEntries(entry->ino));
    if (has_entries) return NotEmpty(fmt::format("directory '{}' is not empty", name));
    const int64_t now = ctx.now();
    NASD_RETURN_IF_ERROR(txn.EraseEntry(parent, name));
    NASD_RETURN_IF_ERROR(DropLink(txn, entry->ino, victim, now));
    --dir.nlink;
    TouchDir(dir, now);
    return txn.PutInode(parent, dir);
  });
}

}  // namespace nasd::vfs::ops
