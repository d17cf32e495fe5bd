// The registry of every KV key prefix nasd uses. No other file builds keys
// by hand; docs/format/keys.md describes the same layout.
//
// All integers inside keys are big-endian so that keys sort numerically.
// Keys starting with 0xFF are reserved for the KV engine itself.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nasd::meta::keys {

// 'V' -> the volume record (JSON: volume id, format version, block size, created).
inline constexpr std::string_view kVolume = "V";
// 'C' + counter name -> big-endian u64 counter (e.g. next share id).
inline constexpr std::string_view kCounterPrefix = "C";
inline constexpr std::string_view kNextShareIdCounter = "Cshare_id";
// Next uid to try when a user is added without one (starts at 10000).
inline constexpr std::string_view kNextUserIdCounter = "Cuser_id";
// 'S' + share name -> share record (JSON: id, name, created_ns).
inline constexpr std::string_view kSharePrefix = "S";
// 'U' + user name -> user record (JSON: name, uid, gid, password_hash, created_ns).
inline constexpr std::string_view kUserPrefix = "U";
// 'P' + share id (u64) + user name -> that user's access to the share
// (JSON: access). User names never contain 0x00 and are the rest of the key.
inline constexpr std::string_view kGrantPrefix = "P";
// 'F' + share id (u64) + ... -> every filesystem record of one share (inodes,
// directory entries, block maps, xattrs). A share whose 'F' range holds no
// directory entry is empty. Its sub-prefixes (tags) follow.
inline constexpr std::string_view kShareDataPrefix = "F";
// Tags after 'F' + share id. Records marked "versioned" have keys ending in
// VersionSuffix(epoch) (see below); the others are single, unversioned keys.
//   'M'                                   -> filesystem record of the share (epoch, root)
//   'A'                                   -> inode allocator: next free inode (u64)
//   'I' + ino (u64)              versioned -> inode record
//   'N' + ino (u64)              versioned -> inline file data
//   'L' + ino (u64)              versioned -> symlink target
//   'X' + ino (u64) + name + 0x00 versioned -> extended attribute value
//   'D' + parent (u64) + NameHash(name) (u64) + name + 0x00
//                                versioned -> directory entry
//   'B' + ino (u64) + block (u64) versioned -> block record (chunk id, length)
//   'T' + ino (u64)              versioned -> directory change stamp (mtime, ctime)
// Names never contain 0x00, so the terminator keeps every name's versions
// together. Entries sort by name hash, then name: the hash is the entry's
// readdir cookie (a fixed-size position that NFS and FUSE can carry and that
// survives any change to the directory). docs/format/keys.md has the values.
inline constexpr char kShareFsTag = 'M';
inline constexpr char kInodeAllocTag = 'A';
inline constexpr char kInodeTag = 'I';
inline constexpr char kInlineDataTag = 'N';
inline constexpr char kSymlinkTag = 'L';
inline constexpr char kXattrTag = 'X';
inline constexpr char kDirEntryTag = 'D';
inline constexpr char kBlockTag = 'B';
inline constexpr char kDirTimesTag = 'T';

// 'R' + chunk id (32 raw bytes) -> reference count (big-endian u64): how many
// block-record versions, in any share and epoch, name the chunk. Absent = 0.
inline constexpr std::string_view kChunkRefPrefix = "R";
// 'Z' + chunk id -> Unix ns when its reference count last dropped to zero:
// the garbage collector's work list. Removed when the count rises again.
inline constexpr std::string_view kZeroRefPrefix = "Z";

// Snapshot epochs. A share's live epoch starts at kFirstEpoch.
inline constexpr uint64_t kFirstEpoch = 1;
inline constexpr size_t kVersionSuffixSize = 8;
// Big-endian ~epoch: the newest version of a record sorts first.
std::string VersionSuffix(uint64_t epoch);
// base + VersionSuffix(epoch).
std::string VersionedKey(std::string_view base, uint64_t epoch);
// Splits a versioned key into base and epoch; false if shorter than the suffix.
bool SplitVersionedKey(std::string_view key, std::string_view& base, uint64_t& epoch);

void AppendU64(std::string& out, uint64_t v);
// Reads a big-endian u64 at the front of in; false if too short.
bool ReadU64(std::string_view in, uint64_t& v);

std::string ShareKey(std::string_view name);
std::string UserKey(std::string_view name);
// Every grant on one share; a grant key is GrantPrefix(share_id) + user name.
std::string GrantPrefix(uint64_t share_id);
std::string GrantKey(uint64_t share_id, std::string_view user);
// Splits a grant key into share id and user name; false if it is not one.
bool SplitGrantKey(std::string_view key, uint64_t& share_id, std::string_view& user);
std::string ShareDataPrefix(uint64_t share_id);
std::string DirEntryPrefix(uint64_t share_id);
// All versions of the entries of one directory.
std::string DirPrefix(uint64_t share_id, uint64_t parent_inode);
// A directory entry's position and readdir cookie: 63 bits of SipHash-2-4
// (fixed key) of the name, never below kFirstNameCookie (0, 1 and 2 stand for
// the start of a listing, "." and ".."). 63 bits so it fits a signed off_t.
inline constexpr uint64_t kFirstNameCookie = 3;
uint64_t NameHash(std::string_view name);
// An entry's base key (every version of it starts with this).
std::string DirEntryBase(uint64_t share_id, uint64_t parent_inode, std::string_view name);
// The full key of the entry's version at epoch.
std::string DirEntryKey(uint64_t share_id, uint64_t parent_inode, std::string_view name,
                        uint64_t epoch = kFirstEpoch);

std::string ShareFsKey(uint64_t share_id);
std::string InodeAllocKey(uint64_t share_id);
// Base keys of versioned per-inode records.
std::string InodeBase(uint64_t share_id, uint64_t ino);
std::string InlineDataBase(uint64_t share_id, uint64_t ino);
std::string SymlinkBase(uint64_t share_id, uint64_t ino);
std::string DirTimesBase(uint64_t share_id, uint64_t ino);
// All versions of all xattrs of one inode, and one xattr's base key.
std::string XattrPrefix(uint64_t share_id, uint64_t ino);
std::string XattrBase(uint64_t share_id, uint64_t ino, std::string_view name);
// All versions of all block records of one inode, and one block's base key.
std::string BlockPrefix(uint64_t share_id, uint64_t ino);
std::string BlockBase(uint64_t share_id, uint64_t ino, uint64_t block);

// Chunk ids are the 32 raw bytes of the SHA-256.
std::string ChunkRefKey(std::string_view chunk_id);
std::string ZeroRefKey(std::string_view chunk_id);

// Snapshots (docs/format/keys.md, "Snapshots"). Unversioned keys of a share:
//   'S' + snapshot name -> snapshot record (epoch it froze, created)
//   'P'                 -> a pruning pass is owed (u64: epoch of the last
//                          deleted snapshot); removed when a pass completes
//   'Q'                 -> snapshot schedules (JSON list of "label:every:keep")
inline constexpr char kSnapshotTag = 'S';
inline constexpr char kPrunePendingTag = 'P';
inline constexpr char kScheduleTag = 'Q';
// The tags of versioned records: what pruning and restore walk. A new
// versioned record type must be added here.
inline constexpr std::string_view kVersionedTags = "BDILNTX";
std::string SnapshotPrefix(uint64_t share_id);
std::string SnapshotKey(uint64_t share_id, std::string_view name);
std::string PrunePendingKey(uint64_t share_id);
std::string ScheduleKey(uint64_t share_id);

// Open files whose last link is gone (vfs/open_files.h). Unversioned key of a
// share:
//   'O' + ino (u64) -> empty: the inode (nlink 0) is kept for its open
//                      handles; erased with the inode at the last release,
//                      or at the next start if the process died first
inline constexpr char kOrphanTag = 'O';
std::string OrphanKey(uint64_t share_id, uint64_t ino);
// Every version of every record of one tag of one share.
std::string TagPrefix(uint64_t share_id, char tag);

}  // namespace nasd::meta::keys
