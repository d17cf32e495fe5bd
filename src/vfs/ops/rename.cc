#include <fmt/format.h>

#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {
namespace {

// Whether anc is dir or one of its ancestors. Walks parent pointers to the
// root with Get()s, so a concurrent rename that changes the chain conflicts.
Result<bool> IsAncestorOrSelf(ShareTxn& txn, uint64_t anc, uint64_t dir) {
  for (uint64_t cur = dir;;) {
    if (cur == anc) return true;
    if (cur == txn.root()) return false;
    NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, cur));
    if (rec.parent == cur) return Corruption(fmt::format("directory {} is its own parent", cur));
    cur = rec.parent;
  }
}

Status CheckReplace(const InodeRecord& src, const InodeRecord& dst) {
  const bool src_dir = src.type == FileType::kDirectory;
  const bool dst_dir = dst.type == FileType::kDirectory;
  if (src_dir && !dst_dir)
    return Status(Code::kNotDirectory, "cannot replace a non-directory with a directory");
  if (!src_dir && dst_dir)
    return Status(Code::kIsDirectory, "cannot replace a directory with a non-directory");
  return Status::Ok();
}

}  // namespace

Status Rename(OpContext& ctx, const Caller& caller, uint64_t old_parent, std::string_view old_name,
              uint64_t new_parent, std::string_view new_name, unsigned flags) {
  if ((flags & ~kRenameNoReplace) != 0)
    return InvalidArgument(fmt::format("unsupported rename flags {:#x}", flags));
  const bool noreplace = (flags & kRenameNoReplace) != 0;
  if (IsDots(old_name)) return Status(Code::kBusy, "cannot rename '.' or '..'");
  if (IsDots(new_name)) {
    return noreplace ? AlreadyExists("'.' and '..' always exist")
                     : Status(Code::kBusy, "cannot replace '.' or '..'");
  }
  NASD_RETURN_IF_ERROR(CheckName(old_name));
  NASD_RETURN_IF_ERROR(CheckName(new_name));
  const bool same_dir = old_parent == new_parent;
  return ctx.Write([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(InodeRecord odir, LoadDir(txn, old_parent));
    InodeRecord ndir_storage;
    if (!same_dir) {
      NASD_ASSIGN_OR_RETURN(ndir_storage, LoadDir(txn, new_parent));
    }
    InodeRecord& ndir = same_dir ? odir : ndir_storage;
    NASD_RETURN_IF_ERROR(CheckAccess(caller, odir, kAccessExec));
    NASD_RETURN_IF_ERROR(CheckAccess(caller, ndir, kAccessExec));

    NASD_ASSIGN_OR_RETURN(auto src, txn.GetEntry(old_parent, old_name));
    if (!src) return NotFound(fmt::format("no entry '{}' in directory {}", old_name, old_parent));
    NASD_ASSIGN_OR_RETURN(auto dst, txn.GetEntry(new_parent, new_name));
    if (dst && noreplace) return AlreadyExists(fmt::format("'{}' exists", new_name));
    NASD_ASSIGN_OR_RETURN(InodeRecord moved, LoadInode(txn, src->ino));
    const bool moved_dir = moved.type == FileType::kDirectory;
    // As Linux: the source must not be an ancestor of the target (EINVAL),
    // nor the target an ancestor of the source (ENOTEMPTY).
    if (moved_dir && !same_dir) {
      NASD_ASSIGN_OR_RETURN(bool into_itself, IsAncestorOrSelf(txn, src->ino, new_parent));
      if (into_itself) return InvalidArgument("cannot move a directory into its own subtree");
    }
    if (dst && dst->type == FileType::kDirectory && !same_dir) {
      NASD_ASSIGN_OR_RETURN(bool onto_ancestor, IsAncestorOrSelf(txn, dst->ino, old_parent));
      if (onto_ancestor) return NotEmpty("cannot replace an ancestor of the source");
    }
    if (dst && dst->ino == src->ino)
      return Status::Ok();  // POSIX: links to one file, nothing to do

    NASD_RETURN_IF_ERROR(CheckAccess(caller, odir, kAccessWrite | kAccessExec));
    NASD_RETURN_IF_ERROR(CheckSticky(caller, odir, moved));
    InodeRecord victim;
    if (dst) {
      NASD_ASSIGN_OR_RETURN(victim, LoadInode(txn, dst->ino));
      NASD_RETURN_IF_ERROR(CheckAccess(caller, ndir, kAccessWrite | kAccessExec));
      NASD_RETURN_IF_ERROR(CheckSticky(caller, ndir, victim));
      NASD_RETURN_IF_ERROR(CheckReplace(moved, victim));
      if (victim.type == FileType::kDirectory) {
        NASD_ASSIGN_OR_RETURN(bool has_entries, txn.HasEntries(dst->ino));
        if (has_entries) return NotEmpty(fmt::format("directory '{}' is not empty", new_name));
      }
    } else {
      NASD_RETURN_IF_ERROR(CheckAccess(caller, ndir, kAccessWrite | kAccessExec));
    }
    // Moving a directory rewrites its '..', which needs write access to it.
    if (moved_dir && !same_dir) NASD_RETURN_IF_ERROR(CheckAccess(caller, moved, kAccessWrite));

    const int64_t now = ctx.now();
    NASD_RETURN_IF_ERROR(txn.EraseEntry(old_parent, old_name));
    NASD_RETURN_IF_ERROR(txn.PutEntry(new_parent, new_name, *src));
    if (dst) {
      if (victim.type == FileType::kDirectory) --ndir.nlink;  // its '..' is gone
      NASD_RETURN_IF_ERROR(DropLink(ctx, txn, dst->ino, victim, now));
    }
    if (moved_dir && !same_dir) {
      --odir.nlink;
      ++ndir.nlink;
      moved.parent = new_parent;
    }
    moved.ctime_ns = now;
    NASD_RETURN_IF_ERROR(txn.PutInode(src->ino, moved));
    // Directories whose link count changed are rewritten; the others only
    // get a change stamp, so renames within one directory do not conflict.
    const bool links_changed = (moved_dir && !same_dir) || (dst && victim.type == FileType::kDirectory);
    auto stamp = [&](uint64_t d, InodeRecord& rec) -> Status {
      if (!links_changed) return txn.TouchDir(d, now);
      TouchDir(rec, now);
      return txn.PutInode(d, rec);
    };
    NASD_RETURN_IF_ERROR(stamp(old_parent, odir));
    if (!same_dir) NASD_RETURN_IF_ERROR(stamp(new_parent, ndir));
    return Status::Ok();
  });
}

}  // namespace nasd::vfs::ops
