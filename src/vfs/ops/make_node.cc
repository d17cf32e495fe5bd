#include <fmt/format.h>
#include <sys/stat.h>

#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {
namespace {

// Ownership and mode of a new node as Linux's inode_init_owner sets them.
InodeRecord NewInode(const Caller& caller, const InodeRecord& dir, const NodeSpec& spec,
                     int64_t now) {
  InodeRecord rec;
  rec.type = spec.type;
  rec.mode = spec.type == FileType::kSymlink ? 0777 : spec.mode & 07777;
  rec.uid = caller.uid;
  rec.gid = caller.gid;
  if (dir.mode & S_ISGID) {
    rec.gid = dir.gid;
    if (spec.type == FileType::kDirectory) rec.mode |= S_ISGID;
  }
  if (spec.type == FileType::kRegular && (rec.mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
      !caller.is_root() && !caller.InGroup(rec.gid)) {
    rec.mode &= ~static_cast<uint32_t>(S_ISGID);
  }
  rec.nlink = spec.type == FileType::kDirectory ? 2 : 1;
  rec.size = spec.type == FileType::kSymlink ? spec.target.size() : 0;
  rec.atime_ns = rec.mtime_ns = rec.ctime_ns = rec.crtime_ns = now;
  rec.generation = 1;
  return rec;
}

}  // namespace

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
    InodeRecord rec = NewInode(caller, dir, spec, now);
    if (spec.type == FileType::kDirectory) {
      rec.parent = parent;
      ++dir.nlink;
    }
    NASD_RETURN_IF_ERROR(txn.PutInode(ino, rec));
    if (spec.type == FileType::kSymlink) NASD_RETURN_IF_ERROR(txn.PutSymlink(ino, spec.target));
    NASD_RETURN_IF_ERROR(txn.PutEntry(parent, name, meta::DirEntryRecord{ino, spec.type}));
    TouchDir(dir, now);
    NASD_RETURN_IF_ERROR(txn.PutInode(parent, dir));
    out = CreateResult{ToAttr(ino, rec), true};
    return Status::Ok();
  }));
  return out;
}

}  // namespace nasd::vfs::ops
