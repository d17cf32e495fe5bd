// Inode numbers of snapshot views (docs/design.md, "Snapshot views").
//
// One Filesystem serves a share's live tree and, under /.snapshots/NAME/, a
// read-only view of every snapshot. Both live in one inode-number space so
// that every protocol (NFS file handles, FUSE node ids, WebDAV) reaches a
// snapshot's files with the plain Filesystem API: numbers with the top bit
// set belong to snapshot views and carry the snapshot's epoch.
//
//   bit 63      1 = a snapshot view
//   bits 40-62  the snapshot's epoch (0: the /.snapshots directory itself)
//   bits 0-39   the inode number inside the snapshot
//
// Live inode numbers are allocated upward from 1 and stay below 2^40; a
// snapshot freezes an epoch of at most 2^23-1 (meta::kMaxSnapshotEpoch). A
// view inode whose snapshot was deleted is stale (kStale, NFS3ERR_STALE).
#pragma once

#include <cstdint>
#include <string_view>

namespace nasd::vfs {

inline constexpr std::string_view kSnapshotsDirName = ".snapshots";
inline constexpr uint64_t kViewBit = uint64_t{1} << 63;
inline constexpr int kViewEpochShift = 40;
inline constexpr uint64_t kViewInoMask = (uint64_t{1} << kViewEpochShift) - 1;
inline constexpr uint64_t kViewEpochMask = (uint64_t{1} << 23) - 1;
// /.snapshots: the view bit with epoch 0.
inline constexpr uint64_t kSnapshotsDirIno = kViewBit | 1;

constexpr bool IsViewIno(uint64_t ino) { return (ino & kViewBit) != 0; }
constexpr uint64_t ViewIno(uint64_t epoch, uint64_t ino) {
  return kViewBit | ((epoch & kViewEpochMask) << kViewEpochShift) | (ino & kViewInoMask);
}
// 0 for /.snapshots.
constexpr uint64_t ViewEpoch(uint64_t view_ino) {
  return (view_ino >> kViewEpochShift) & kViewEpochMask;
}
constexpr uint64_t ViewRealIno(uint64_t view_ino) { return view_ino & kViewInoMask; }

}  // namespace nasd::vfs
