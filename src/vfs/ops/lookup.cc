#include <fmt/format.h>

#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {
namespace {

// The entry name in directory parent, read in txn.
Result<Attr> LookupIn(ShareTxn& txn, const Caller& caller, uint64_t parent, std::string_view name) {
  if (!IsDots(name)) NASD_RETURN_IF_ERROR(CheckName(name));
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
  return ToAttr(ino, rec);
}

}  // namespace

Result<Attr> Lookup(OpContext& ctx, const Caller& caller, uint64_t parent, std::string_view name) {
  Attr out;
  NASD_RETURN_IF_ERROR(ctx.Read([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(out, LookupIn(txn, caller, parent, name));
    return Status::Ok();
  }));
  return out;
}

Status LookupPath(OpContext& ctx, const Caller& caller, uint64_t dir,
                  std::span<const std::string> names, const PathStop& stop,
                  std::vector<Attr>* found) {
  Status failed;
  NASD_RETURN_IF_ERROR(ctx.Read([&](ShareTxn& txn) -> Status {
    // A retried read starts over.
    found->clear();
    failed = Status::Ok();
    uint64_t at = dir;
    for (const std::string& name : names) {
      if (stop && stop(at, name)) return Status::Ok();
      Result<Attr> attr = LookupIn(txn, caller, at, name);
      if (!attr.ok()) {
        failed = attr.status();
        return Status::Ok();
      }
      at = attr->ino;
      found->push_back(*attr);
    }
    return Status::Ok();
  }));
  return failed;
}

}  // namespace nasd::vfs::ops
