#include <fmt/format.h>
#include <sys/stat.h>

#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Result<CreateResult> MakeNode(OpContext& ctx, const Caller& caller, uint64_t parent,
                              std::string_view name, const NodeSpec& spec) {
  if (IsDots(name)) return AlreadyExists(fmt::format("'{}' always exists", name));
  NASD_RETURN_IF_ERROR(CheckName(name));
  if (spec.type == FileType::kSymlink) {
    if (spec.target.empty()) return NotFound("empty symlink target");
    if (spec.target.size() > kMaxSymlinkLength) {
      return Status(Code::kNameTooLong,
                    fmt::format("symlink target is {} bytes", spec.target.size()));
    }
    if (spec.target.find('\0') != std::string_view::npos)
      return InvalidArgument("symlink target contains NUL");
  }
  NASD_ASSIGN_OR_RETURN(uint64_t ino, ctx.inodes.Next());
  CreateResult out;
  NASD_RETURN_IF_ERROR(ctx.Write([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(InodeRecord dir, LoadDir(txn, parent));
    NASD_RETURN_IF_ERROR(CheckAccess(caller, dir, kAccessExec));
    NASD_ASSIGN_OR_RETURN(auto existing, txn.GetEntry(parent, name));
    if (existing) {
      if (spec.type != FileType::kRegular || spec.exclusive) {
        return AlreadyExists(fmt::format("'{}' exists", name));
      }
      NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, existing->ino));
      if (rec.type == FileType::kDirectory)
        return Status(Code::kIsDirectory, fmt::format("'{}' is a directory", name));
      if (rec.type != FileType::kRegular)
        return AlreadyExists(fmt::format("'{}' is a symlink", name));
      out = CreateResult{ToAttr(existing->ino, rec), false};
      return Status::Ok();
    }
    NASD_RETURN_IF_ERROR(CheckAccess(caller, dir, kAccessWrite | kAccessExec));
    if (spec.type == FileType::kDirectory && dir.nlink >= kMaxLinks) {
      return Status(Code::kTooManyLinks, "directory has too many subdirectories");
    }
    const int64_t now = ctx.now();
    InodeRecord rec = NewInodeRecord(caller, dir, spec.type, spec.mode, spec.target.size(), now);
    if (spec.type == FileType::kDirectory) {
      rec.parent = parent;
      ++dir.nlink;
    }
    NASD_RETURN_IF_ERROR(txn.PutInode(ino, rec));
    if (spec.type == FileType::kSymlink) NASD_RETURN_IF_ERROR(txn.PutSymlink(ino, spec.target));
    NASD_RETURN_IF_ERROR(txn.PutEntry(parent, name, meta::DirEntryRecord{ino, spec.type}));
    if (spec.type == FileType::kDirectory) {
      TouchDir(dir, now);  // its link count changed too
      NASD_RETURN_IF_ERROR(txn.PutInode(parent, dir));
    } else {
      NASD_RETURN_IF_ERROR(txn.TouchDir(parent, now));
    }
    out = CreateResult{ToAttr(ino, rec), true};
    return Status::Ok();
  }));
  return out;
}

}  // namespace nasd::vfs::ops
