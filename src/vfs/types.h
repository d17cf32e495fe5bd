// Value types of the vfs API (filesystem.h): callers, attributes, requests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "meta/records.h"

namespace nasd::vfs {

using meta::FileType;

// Limits of this implementation. A write or truncate past kMaxFileSize fails
// with kTooLarge (EFBIG) before anything is allocated; one Read returns at
// most kMaxReadSize bytes.
inline constexpr uint64_t kMaxFileSize = 16ULL << 40;
inline constexpr uint64_t kMaxReadSize = 64ULL << 20;
inline constexpr size_t kMaxNameLength = 255;      // bytes, NAME_MAX
inline constexpr size_t kMaxSymlinkLength = 4095;  // bytes, PATH_MAX - 1
inline constexpr size_t kMaxXattrNameLength = 255;
inline constexpr size_t kMaxXattrValueSize = 64 << 10;
inline constexpr uint32_t kMaxLinks = 65000;

// Who performs an operation. uid 0 bypasses permission bits as Linux root
// (CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_CHOWN, CAP_FSETID) does.
struct Caller {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;  // supplementary groups

  static Caller Root() { return Caller{}; }
  bool is_root() const { return uid == 0; }
  bool InGroup(uint32_t g) const {
    return g == gid || std::find(groups.begin(), groups.end(), g) != groups.end();
  }
};

struct Attr {
  uint64_t ino = 0;
  uint64_t generation = 0;
  FileType type = FileType::kRegular;
  uint32_t mode = 0;  // permission bits (07777), without the type
  uint32_t nlink = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;  // bytes; a symlink's size is the length of its target
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  int64_t crtime_ns = 0;

  // st_mode: type bits (S_IFREG/S_IFDIR/S_IFLNK) | mode.
  uint32_t st_mode() const;
};

// utimensat semantics: leave unchanged (UTIME_OMIT), set to now (UTIME_NOW), or set.
struct TimeSpec {
  enum class How { kOmit, kNow, kSet };
  How how = How::kOmit;
  int64_t ns = 0;
  static TimeSpec Now() { return TimeSpec{How::kNow, 0}; }
  static TimeSpec At(int64_t ns) { return TimeSpec{How::kSet, ns}; }
};

// Fields left empty (or kOmit) are unchanged.
struct SetAttrRequest {
  std::optional<uint32_t> mode;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  std::optional<uint64_t> size;
  TimeSpec atime;
  TimeSpec mtime;
  // A guard checked in the same transaction: kFailedPrecondition (nothing
  // changed) unless the inode's ctime is exactly this (NFS SETATTR's guard).
  std::optional<int64_t> if_ctime_ns;
};

struct CreateResult {
  Attr attr;
  bool created = false;  // false: an existing file was returned (non-exclusive create)
};

struct DirEntry {
  std::string name;
  uint64_t ino = 0;
  FileType type = FileType::kRegular;
  // Pass back to ReadDir to continue after this entry (see ReadDir).
  uint64_t cookie = 0;
};

struct DirPage {
  std::vector<DirEntry> entries;
  bool eof = false;  // no entries after the last one returned
};

// statfs(2) of a share. Bytes are those of the chunk store, which every share
// of the volume shares (after deduplication).
struct FsStats {
  uint64_t block_size = 0;
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;   // available to the store
  uint64_t used_bytes = 0;   // held by chunks
  uint64_t total_files = 0;  // inode numbers the share may use
  uint64_t free_files = 0;
};

struct OpenFlags {
  bool read = false;
  bool write = false;
  bool truncate = false;  // O_TRUNC; requires write
};

// renameat2 flags. RENAME_EXCHANGE and RENAME_WHITEOUT are not supported.
inline constexpr unsigned kRenameNoReplace = 1;
// setxattr flags.
inline constexpr int kXattrCreate = 1;
inline constexpr int kXattrReplace = 2;
// Access() masks (access(2)).
inline constexpr int kAccessRead = 4;
inline constexpr int kAccessWrite = 2;
inline constexpr int kAccessExec = 1;

}  // namespace nasd::vfs
