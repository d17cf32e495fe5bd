// fsck --repair for what a live view holds but no path reaches (fsck.h):
// each orphan that no other orphan directory contains is linked into the
// share's /lost+found (created when missing, mode 0700, owned by root) under
// its inode number, and a real root entry named .snapshots is renamed
// .snapshots.INODE. Nothing is deleted; it all becomes reachable again.
#include <set>
#include <string>

#include <fmt/format.h>

#include "kv/retry.h"
#include "meta/clock.h"
#include "meta/inode_allocator.h"
#include "meta/share_txn.h"
#include "vfs/fsck/fsck.h"
#include "vfs/snapshot/snapshot_ino.h"

namespace nasd::vfs::fsck {
namespace {

constexpr std::string_view kLostFound = "lost+found";

// The orphans not inside another orphan directory (those come along).
Result<std::vector<uint64_t>> TopOrphans(kv::KvEngine& kv, uint64_t share_id,
                                         const std::vector<uint64_t>& orphans) {
  std::unique_ptr<kv::Transaction> t = kv.Begin(kv::WriteOptions{.durable = false});
  NASD_ASSIGN_OR_RETURN(meta::ShareTxn txn, meta::ShareTxn::Open(*t, share_id));
  std::set<uint64_t> inside;
  for (uint64_t ino : orphans) {
    NASD_ASSIGN_OR_RETURN(auto rec, txn.GetInode(ino));
    if (!rec || rec->type != meta::FileType::kDirectory) continue;
    NASD_ASSIGN_OR_RETURN(meta::EntryPage page, txn.ListEntries(ino, 0, 0));
    for (const meta::NamedEntry& e : page.entries) inside.insert(e.entry.ino);
  }
  std::vector<uint64_t> top;
  for (uint64_t ino : orphans) {
    if (!inside.contains(ino)) top.push_back(ino);
  }
  return top;
}

Status RenameShadowed(kv::KvEngine& kv, uint64_t share_id, const std::string& label,
                      const meta::DirEntryRecord& shadowed, FsckReport& report) {
  const std::string name = fmt::format("{}.{}", kSnapshotsDirName, shadowed.ino);
  Status st = kv::RunTransaction(kv, [&](kv::Transaction& t) -> Status {
    NASD_ASSIGN_OR_RETURN(meta::ShareTxn txn, meta::ShareTxn::Open(t, share_id));
    NASD_ASSIGN_OR_RETURN(auto entry, txn.GetEntry(txn.root(), kSnapshotsDirName));
    if (!entry || *entry != shadowed) return FailedPrecondition("the entry changed meanwhile");
    NASD_ASSIGN_OR_RETURN(auto taken, txn.GetEntry(txn.root(), name));
    if (taken) return AlreadyExists(fmt::format("/{} exists", name));
    NASD_RETURN_IF_ERROR(txn.EraseEntry(txn.root(), kSnapshotsDirName));
    NASD_RETURN_IF_ERROR(txn.PutEntry(txn.root(), name, shadowed));
    return txn.TouchDir(txn.root(), meta::SystemNowNs());
  });
  if (!st.ok()) {
    report.problems.push_back({"shadowed_not_renamed", label + ":/" + std::string(kSnapshotsDirName),
                               st.ToString()});
    return Status::Ok();
  }
  ++report.repaired;
  report.moved.push_back(fmt::format("{}:/{} -> {}:/{}", label, kSnapshotsDirName, label, name));
  return Status::Ok();
}

Status MoveOrphans(kv::KvEngine& kv, uint64_t share_id, const std::string& label,
                   const std::vector<uint64_t>& orphans, FsckReport& report) {
  if (orphans.empty()) return Status::Ok();
  NASD_ASSIGN_OR_RETURN(std::vector<uint64_t> top, TopOrphans(kv, share_id, orphans));
  meta::InodeAllocator inodes(kv, share_id, 1);
  std::optional<uint64_t> fresh;  // the inode /lost+found gets if it must be made
  for (uint64_t orphan : top) {
    std::string moved;
    Status st = kv::RunTransaction(kv, [&](kv::Transaction& t) -> Status {
      moved.clear();
      NASD_ASSIGN_OR_RETURN(meta::ShareTxn txn, meta::ShareTxn::Open(t, share_id));
      const int64_t now = meta::SystemNowNs();
      NASD_ASSIGN_OR_RETURN(auto root, txn.GetInode(txn.root()));
      if (!root) return Corruption("the share has no root directory");
      NASD_ASSIGN_OR_RETURN(auto entry, txn.GetEntry(txn.root(), kLostFound));
      uint64_t dir = 0;
      meta::InodeRecord lf;
      if (!entry) {
        if (!fresh) {
          NASD_ASSIGN_OR_RETURN(uint64_t ino, inodes.Next());
          fresh = ino;
        }
        dir = *fresh;
        lf.type = meta::FileType::kDirectory;
        lf.mode = 0700;
        lf.nlink = 2;
        lf.atime_ns = lf.mtime_ns = lf.ctime_ns = lf.crtime_ns = now;
        lf.generation = 1;
        lf.parent = txn.root();
        NASD_RETURN_IF_ERROR(txn.PutEntry(txn.root(), kLostFound, {dir, meta::FileType::kDirectory}));
        ++root->nlink;
        root->mtime_ns = root->ctime_ns = now;
        NASD_RETURN_IF_ERROR(txn.PutInode(txn.root(), *root));
      } else {
        if (entry->type != meta::FileType::kDirectory) {
          return FailedPrecondition("/lost+found exists and is not a directory");
        }
        dir = entry->ino;
        NASD_ASSIGN_OR_RETURN(auto rec, txn.GetInode(dir));
        if (!rec) return FailedPrecondition("/lost+found names a missing inode");
        lf = *rec;
      }
      NASD_ASSIGN_OR_RETURN(auto rec, txn.GetInode(orphan));
      if (!rec) return Status::Ok();  // gone meanwhile
      const std::string name = std::to_string(orphan);
      NASD_ASSIGN_OR_RETURN(auto taken, txn.GetEntry(dir, name));
      if (taken) return AlreadyExists(fmt::format("/lost+found/{} exists", name));
      NASD_RETURN_IF_ERROR(txn.PutEntry(dir, name, {orphan, rec->type}));
      if (rec->type == meta::FileType::kDirectory) {
        rec->parent = dir;
        ++lf.nlink;
      } else {
        rec->nlink = 1;  // the entry just made is its only one
      }
      rec->ctime_ns = now;
      NASD_RETURN_IF_ERROR(txn.PutInode(orphan, *rec));
      lf.mtime_ns = lf.ctime_ns = now;
      NASD_RETURN_IF_ERROR(txn.PutInode(dir, lf));
      moved = "/lost+found/" + name;
      return Status::Ok();
    });
    if (!st.ok()) {
      report.problems.push_back({"orphan_not_moved", fmt::format("{}:#{}", label, orphan), st.ToString()});
      continue;
    }
    if (!moved.empty()) {
      ++report.repaired;
      report.moved.push_back(fmt::format("{}:#{} -> {}:{}", label, orphan, label, moved));
    }
  }
  return Status::Ok();
}

}  // namespace

Status Reconnect(kv::KvEngine& kv, uint64_t share_id, const std::string& label,
                 const Unreachable& unreachable, FsckReport& report) {
  if (unreachable.shadowed) {
    NASD_RETURN_IF_ERROR(RenameShadowed(kv, share_id, label, *unreachable.shadowed, report));
  }
  return MoveOrphans(kv, share_id, label, unreachable.orphans, report);
}

}  // namespace nasd::vfs::fsck
