// fsck: consistency checks of a volume's metadata and chunks, for a stopped
// server (nasd fsck). Nothing is changed unless options ask for a repair,
// and no repair ever deletes user data.
//
// Checked, for every share, in the live view and in every snapshot's view:
//   - every directory entry names an existing inode of the entry's type;
//   - directories: parent pointers, link counts (2 + subdirectories), and
//     each reached exactly once; other inodes' link counts equal the
//     entries naming them;
//   - orphan inodes: inode records no entry reaches;
// and across all shares and epochs:
//   - every chunk reference count ('R') equals the block-record versions
//     naming the chunk; no count without versions; no 'Z' while referenced;
//   - every referenced chunk exists; with verify_data, its bytes hash to its
//     name (SHA-256; reads also check the crc32c framing).
// Repair (repair_counts) rewrites wrong reference counts (and their 'Z'
// records) to the counted value; move_orphans links the live view's orphan
// inodes into the share's /lost+found (created when missing) under their
// inode numbers, and renames a real root entry named .snapshots, which the
// snapshots folder hides, to .snapshots.INODE (lost_found.cc). Files naming a missing or damaged chunk are
// listed by path (kind "damaged_file"), in the live view when they are
// reachable there, else in a snapshot's. Other problems are reported with
// the paths they affect; nothing is ever deleted.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chunk/chunk_store.h"
#include "common/status.h"
#include "kv/kv_engine.h"
#include "meta/records.h"

namespace nasd::vfs::fsck {

struct Problem {
  std::string kind;    // e.g. "dangling_entry", "link_count", "missing_chunk"
  std::string where;   // "share/path" (or "@snapshot" view), or a chunk id
  std::string detail;
};

struct FsckOptions {
  bool verify_data = false;
  bool repair_counts = false;
  bool move_orphans = false;
};

struct FsckReport {
  std::vector<Problem> problems;
  uint64_t shares = 0;
  uint64_t views = 0;   // live views and snapshot views walked
  uint64_t inodes = 0;  // inodes reached, summed over views
  uint64_t chunks = 0;  // distinct chunks referenced
  uint64_t repaired = 0;
  // What --repair made reachable: "share:#ino -> share:/lost+found/ino",
  // "share:/.snapshots -> share:/.snapshots.ino".
  std::vector<std::string> moved;
  // Where the walks found each inode first: (share id, ino) -> "label:path".
  std::map<std::pair<uint64_t, uint64_t>, std::string> paths;
  bool clean() const { return problems.empty(); }
};

Result<FsckReport> Check(kv::KvEngine& kv, chunk::ChunkStore& chunks, FsckOptions options = {});

// Internal steps (tree_check.cc, chunk_check.cc).
// What a live view holds that no path reaches.
struct Unreachable {
  std::vector<uint64_t> orphans;  // inodes no entry names
  // A real root entry named .snapshots (made before snapshots existed, or
  // by a bug): the snapshots folder hides it from every protocol.
  std::optional<meta::DirEntryRecord> shadowed;
};
// One share at one epoch (0: live); label names the view in problems.
// What is unreachable is recorded in unreachable when given.
Status CheckTree(kv::KvEngine& kv, uint64_t share_id, uint64_t epoch, const std::string& label,
                 FsckReport& report, Unreachable* unreachable = nullptr);
// Makes it reachable again (lost_found.cc): orphans are linked into
// /lost+found; a shadowed /.snapshots entry is renamed /.snapshots.INODE.
Status Reconnect(kv::KvEngine& kv, uint64_t share_id, const std::string& label,
                 const Unreachable& unreachable, FsckReport& report);
Status CheckChunks(kv::KvEngine& kv, chunk::ChunkStore& chunks, const std::vector<uint64_t>& shares,
                   const FsckOptions& options, FsckReport& report);

}  // namespace nasd::vfs::fsck
