#include <fmt/format.h>

#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Result<Attr> Lookup(OpContext& ctx, const Caller& caller, uint64_t parent, std::string_view name) {
  if (!IsDots(name)) NASD_RETURN_IF_ERROR(CheckName(name));
  Attr out;
  NASD_RETURN_IF_ERROR(ctx.Read([&](ShareTxn& txn) -> Status {
    // Search permission needs the directory's mode, not its times.
    NASD_ASSIGN_OR_RETURN(std::optional<InodeRecord> dir, txn.GetInode(parent, /*dir_times=*/false));
    if (!dir) return Status(Code::kStale, fmt::format("inode {} does not exist", parent));
    if (dir->type != FileType::kDirectory) {
      return Status(Code::kNotDirectory, fmt::format("inode {} is not a directory", parent));
    }
    NASD_RETURN_IF_ERROR(CheckAccess(caller, *dir, kAccessExec));
    uint64_t ino = parent;
    if (name == "..") {
      ino = dir->parent;
    } else if (name != ".") {
      NASD_ASSIGN_OR_RETURN(auto entry, txn.GetEntry(parent, name));
      if (!entry) return NotFound(fmt::format("no entry '{}' in directory {}", name, parent));
      ino = entry->ino;
    }
    NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
    out = ToAttr(ino, rec);
    return Status::Ok();
  }));
  return out;
}

}  // namespace nasd::vfs::ops
