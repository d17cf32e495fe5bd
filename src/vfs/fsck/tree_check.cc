// The namespace checks of fsck.h: a walk from the root of one view.
#include <deque>
#include <map>

#include <fmt/format.h>

#include "meta/keys.h"
#include "meta/share_txn.h"
#include "meta/versioned.h"
#include "vfs/fsck/fsck.h"
#include "vfs/snapshot/snapshot_ino.h"

namespace nasd::vfs::fsck {
namespace {

struct Seen {
  meta::InodeRecord rec;
  std::string path;       // the first path found
  uint32_t links = 0;     // entries naming it
  uint32_t subdirs = 0;   // directories: entries that are directories
};

}  // namespace

Status CheckTree(kv::KvEngine& kv, uint64_t share_id, uint64_t epoch, const std::string& label,
                 FsckReport& report, Unreachable* unreachable) {
  std::unique_ptr<kv::Transaction> t = kv.Begin(kv::WriteOptions{.durable = false});
  Result<meta::ShareTxn> opened =
      epoch == 0 ? meta::ShareTxn::Open(*t, share_id) : meta::ShareTxn::OpenAt(*t, share_id, epoch);
  if (!opened.ok() && opened.status().code() == Code::kNotFound) return Status::Ok();  // never opened
  NASD_RETURN_IF_ERROR(opened.status());
  meta::ShareTxn& txn = *opened;
  ++report.views;
  auto problem = [&](std::string kind, const std::string& path, std::string detail) {
    report.problems.push_back(Problem{std::move(kind), label + ":" + path, std::move(detail)});
  };

  std::map<uint64_t, Seen> seen;
  NASD_ASSIGN_OR_RETURN(auto root, txn.GetInode(txn.root()));
  if (!root || root->type != meta::FileType::kDirectory) {
    problem("missing_root", "/", "the root directory record is missing or not a directory");
    return Status::Ok();
  }
  seen[txn.root()] = Seen{*root, "/", 0, 0};
  std::deque<uint64_t> dirs{txn.root()};
  while (!dirs.empty()) {
    const uint64_t dir = dirs.front();
    dirs.pop_front();
    const std::string dir_path = seen[dir].path;
    NASD_ASSIGN_OR_RETURN(meta::EntryPage page, txn.ListEntries(dir, 0, 0));
    for (const meta::NamedEntry& e : page.entries) {
      const std::string path = (dir_path == "/" ? "/" : dir_path + "/") + e.name;
      if (epoch == 0 && dir == txn.root() && e.name == kSnapshotsDirName) {
        problem("shadowed_entry", path,
                fmt::format("a real entry (inode {}) that the snapshots folder hides; --repair renames it "
                            "to {}.{}", e.entry.ino, kSnapshotsDirName, e.entry.ino));
        if (unreachable != nullptr) unreachable->shadowed = e.entry;
      }
      NASD_ASSIGN_OR_RETURN(auto rec, txn.GetInode(e.entry.ino));
      if (!rec) {
        problem("dangling_entry", path, fmt::format("names inode {}, which does not exist", e.entry.ino));
        continue;
      }
      if (rec->type != e.entry.type) {
        problem("entry_type", path, fmt::format("entry says type {}, inode {} is type {}",
                                                static_cast<int>(e.entry.type), e.entry.ino,
                                                static_cast<int>(rec->type)));
      }
      auto [it, first] = seen.try_emplace(e.entry.ino, Seen{*rec, path, 0, 0});
      ++it->second.links;
      if (rec->type != meta::FileType::kDirectory) continue;
      ++seen[dir].subdirs;
      if (!first) {
        problem("directory_linked_twice", path, fmt::format("also at {}", it->second.path));
        continue;
      }
      if (rec->parent != dir) {
        problem("parent_pointer", path, fmt::format("parent says {}, found in {}", rec->parent, dir));
      }
      dirs.push_back(e.entry.ino);
    }
  }
  for (const auto& [ino, s] : seen) {
    ++report.inodes;
    report.paths.try_emplace({share_id, ino}, label + ":" + s.path);
    const uint32_t want = s.rec.type == meta::FileType::kDirectory ? 2 + s.subdirs : s.links;
    if (s.rec.nlink != want) {
      problem("link_count", s.path, fmt::format("inode {} has nlink {}, {} found", ino, s.rec.nlink, want));
    }
  }
  // Inode records no entry reaches. A file with nlink 0 was removed while
  // open (vfs/open_files.h): it goes at its last close or the next start.
  const std::string prefix = meta::keys::TagPrefix(share_id, meta::keys::kInodeTag);
  NASD_RETURN_IF_ERROR(meta::ScanVersioned(
      txn.kv(), prefix, "", txn.epoch(), [&](std::string_view base, std::string_view value) {
        uint64_t ino = 0;
        if (base.size() == prefix.size() + 8 && meta::keys::ReadU64(base.substr(prefix.size()), ino) &&
            !seen.contains(ino)) {
          auto rec = meta::DecodeInode(value);
          if (rec.ok() && rec->nlink == 0 && rec->type == meta::FileType::kRegular) return true;
          problem("orphan_inode", fmt::format("#{}", ino), "no directory entry reaches it");
          if (unreachable != nullptr) unreachable->orphans.push_back(ino);
        }
        return true;
      }));
  return Status::Ok();
}

}  // namespace nasd::vfs::fsck
