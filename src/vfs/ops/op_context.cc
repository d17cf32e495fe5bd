#include "vfs/ops/op_context.h"

#include <fmt/format.h>
#include <sys/stat.h>

namespace nasd::vfs {

Status OpContext::Write(const std::function<Status(ShareTxn&)>& body) {
  if (view_epoch != 0) {
    return Status(Code::kReadOnly, fmt::format("snapshot at epoch {} is read-only", view_epoch));
  }
  return kv::RunTransaction(
      kv,
      [&](kv::Transaction& t) -> Status {
        NASD_ASSIGN_OR_RETURN(ShareTxn txn, ShareTxn::Open(t, share_id));
        return body(txn);
      },
      {}, retry);
}

Status OpContext::Read(const std::function<Status(ShareTxn&)>& body) {
  // A snapshot is consistent by itself: a transaction that writes nothing
  // needs no commit-time validation, so it never conflicts and is dropped;
  // read_only spares it the bookkeeping of a read set.
  std::unique_ptr<kv::Transaction> t = kv.Begin(kv::WriteOptions{.durable = false, .read_only = true});
  NASD_ASSIGN_OR_RETURN(ShareTxn txn, view_epoch == 0 ? ShareTxn::Open(*t, share_id)
                                                      : ShareTxn::OpenAt(*t, share_id, view_epoch));
  return body(txn);
}

Result<InodeRecord> LoadInode(ShareTxn& txn, uint64_t ino) {
  NASD_ASSIGN_OR_RETURN(auto rec, txn.GetInode(ino));
  if (!rec) return Status(Code::kStale, fmt::format("inode {} does not exist", ino));
  return *rec;
}

Result<InodeRecord> LoadDir(ShareTxn& txn, uint64_t ino) {
  NASD_ASSIGN_OR_RETURN(auto found, txn.GetInode(ino, /*dir_times=*/false));
  if (!found) return Status(Code::kStale, fmt::format("inode {} does not exist", ino));
  InodeRecord& rec = *found;
  if (rec.type != FileType::kDirectory) {
    return Status(Code::kNotDirectory, fmt::format("inode {} is not a directory", ino));
  }
  return rec;
}

InodeRecord AccessRecord(const Attr& attr) {
  InodeRecord rec;
  rec.type = attr.type;
  rec.mode = attr.mode;
  rec.uid = attr.uid;
  rec.gid = attr.gid;
  return rec;
}

Attr ToAttr(uint64_t ino, const InodeRecord& r) {
  return Attr{ino,   r.generation, r.type,     r.mode,     r.nlink,    r.uid,
              r.gid, r.size,       r.atime_ns, r.mtime_ns, r.ctime_ns, r.crtime_ns};
}

bool IsDots(std::string_view name) { return name == "." || name == ".."; }

Status CheckName(std::string_view name) {
  if (name.empty()) return InvalidArgument("empty file name");
  if (name.size() > kMaxNameLength) {
    return Status(Code::kNameTooLong, fmt::format("file name is {} bytes; the limit is {}",
                                                  name.size(), kMaxNameLength));
  }
  if (name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
    return InvalidArgument("file name contains '/' or NUL");
  }
  return Status::Ok();
}

Status CheckAccess(const Caller& caller, const InodeRecord& rec, int mask) {
  if (caller.is_root()) {
    if ((mask & kAccessExec) && rec.type != FileType::kDirectory && (rec.mode & 0111) == 0) {
      return PermissionDenied("no execute bit is set");
    }
    return Status::Ok();
  }
  uint32_t bits = rec.mode & 07;
  if (caller.uid == rec.uid) {
    bits = (rec.mode >> 6) & 07;
  } else if (caller.InGroup(rec.gid)) {
    bits = (rec.mode >> 3) & 07;
  }
  if ((bits & static_cast<uint32_t>(mask)) != static_cast<uint32_t>(mask)) {
    return PermissionDenied(
        fmt::format("mode {:o} denies access {} to uid {}", rec.mode, mask, caller.uid));
  }
  return Status::Ok();
}

bool OwnsOrRoot(const Caller& caller, const InodeRecord& rec) {
  return caller.is_root() || caller.uid == rec.uid;
}

Status CheckSticky(const Caller& caller, const InodeRecord& dir, const InodeRecord& victim) {
  if ((dir.mode & S_ISVTX) == 0 || caller.is_root() || caller.uid == victim.uid ||
      caller.uid == dir.uid) {
    return Status::Ok();
  }
  return Status(Code::kNotPermitted,
                "sticky directory: only the owner may remove or replace this entry");
}

Result<Removal> FindRemoval(ShareTxn& txn, const Caller& caller, uint64_t parent, std::string_view name) {
  Removal r;
  NASD_ASSIGN_OR_RETURN(r.dir, LoadDir(txn, parent));
  NASD_RETURN_IF_ERROR(CheckAccess(caller, r.dir, kAccessExec));
  NASD_ASSIGN_OR_RETURN(auto entry, txn.GetEntry(parent, name));
  if (!entry) return NotFound(fmt::format("no entry '{}' in directory {}", name, parent));
  NASD_RETURN_IF_ERROR(CheckAccess(caller, r.dir, kAccessWrite | kAccessExec));
  r.ino = entry->ino;
  NASD_ASSIGN_OR_RETURN(r.victim, LoadInode(txn, r.ino));
  NASD_RETURN_IF_ERROR(CheckSticky(caller, r.dir, r.victim));
  return r;
}

InodeRecord NewInodeRecord(const Caller& caller, const InodeRecord& dir, FileType type,
                           uint32_t mode, uint64_t size, int64_t now) {
  InodeRecord rec;
  rec.type = type;
  rec.mode = type == FileType::kSymlink ? 0777 : mode & 07777;
  rec.uid = caller.uid;
  rec.gid = caller.gid;
  if (dir.mode & S_ISGID) {
    rec.gid = dir.gid;
    if (type == FileType::kDirectory) rec.mode |= S_ISGID;
  }
  if (type == FileType::kRegular && (rec.mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
      !caller.is_root() && !caller.InGroup(rec.gid)) {
    rec.mode &= ~static_cast<uint32_t>(S_ISGID);
  }
  rec.nlink = type == FileType::kDirectory ? 2 : 1;
  rec.size = type == FileType::kSymlink ? size : 0;
  rec.atime_ns = rec.mtime_ns = rec.ctime_ns = rec.crtime_ns = now;
  rec.generation = 1;
  return rec;
}

void TouchDir(InodeRecord& dir, int64_t now) { dir.mtime_ns = dir.ctime_ns = now; }

Status DropLink(OpContext& ctx, ShareTxn& txn, uint64_t ino, InodeRecord& rec, int64_t now) {
  rec.nlink = rec.type == FileType::kDirectory || rec.nlink == 0 ? 0 : rec.nlink - 1;
  rec.ctime_ns = now;
  if (rec.nlink > 0) return txn.PutInode(ino, rec);
  if (rec.type != FileType::kRegular || ctx.open_files == nullptr || !ctx.open_files->IsOpen(ino)) {
    return txn.EraseInode(ino);
  }
  ctx.open_files->MarkOrphan(ino);
  NASD_RETURN_IF_ERROR(txn.PutOrphan(ino));
  return txn.PutInode(ino, rec);
}

Status EraseOrphanInode(OpContext& ctx, uint64_t ino) {
  return ctx.Write([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(std::optional<InodeRecord> rec, txn.GetInode(ino));
    if (rec && rec->nlink == 0) NASD_RETURN_IF_ERROR(txn.EraseInode(ino));
    return txn.EraseOrphan(ino);
  });
}

void KillSuid(InodeRecord& rec) {
  if (rec.type != FileType::kRegular) return;
  rec.mode &= ~static_cast<uint32_t>(S_ISUID);
  if ((rec.mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
    rec.mode &= ~static_cast<uint32_t>(S_ISGID);
}

}  // namespace nasd::vfs
