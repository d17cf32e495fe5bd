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
// records) to the counted value; other problems are reported with the paths
// they affect.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chunk/chunk_store.h"
#include "common/status.h"
#include "kv/kv_engine.h"

namespace nasd::vfs::fsck {

struct Problem {
  std::string kind;    // e.g. "dangling_entry", "link_count", "missing_chunk"
  std::string where;   // "share/path" (or "@snapshot" view), or a chunk id
  std::string detail;
};

struct FsckOptions {
  bool verify_data = false;
  bool repair_counts = false;
};

struct FsckReport {
  std::vector<Problem> problems;
  uint64_t shares = 0;
  uint64_t views = 0;   // live views and snapshot views walked
  uint64_t inodes = 0;  // inodes reached, summed over views
  uint64_t chunks = 0;  // distinct chunks referenced
  uint64_t repaired = 0;
  bool clean() const { return problems.empty(); }
};

Result<FsckReport> Check(kv::KvEngine& kv, chunk::ChunkStore& chunks, FsckOptions options = {});

// Internal steps (tree_check.cc, chunk_check.cc).
// One share at one epoch (0: live); label names the view in problems.
Status CheckTree(kv::KvEngine& kv, uint64_t share_id, uint64_t epoch, const std::string& label,
                 FsckReport& report);
Status CheckChunks(kv::KvEngine& kv, chunk::ChunkStore& chunks, const std::vector<uint64_t>& shares,
                   const FsckOptions& options, FsckReport& report);

}  // namespace nasd::vfs::fsck
