// Binary records of a share's filesystem metadata (layouts: docs/format/keys.md).
//
// Every versioned value starts with a format byte: kRecordV1 for a record, or
// is exactly the one byte kTombstone (a deletion that hides older versions).
// Decoders accept only the exact v1 layout and return kCorruption otherwise.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace nasd::meta {

inline constexpr uint8_t kTombstone = 0x00;
inline constexpr uint8_t kRecordV1 = 0x01;

enum class FileType : uint8_t { kRegular = 1, kDirectory = 2, kSymlink = 3 };

struct InodeRecord {
  FileType type = FileType::kRegular;
  uint32_t mode = 0;  // permission bits incl. setuid/setgid/sticky (07777)
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t nlink = 0;
  uint64_t size = 0;
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  int64_t crtime_ns = 0;
  uint64_t generation = 0;
  // Directories: the parent directory (the root's parent is itself). 0 otherwise.
  uint64_t parent = 0;
  bool operator==(const InodeRecord&) const = default;
};

struct DirEntryRecord {
  uint64_t ino = 0;
  FileType type = FileType::kRegular;
  bool operator==(const DirEntryRecord&) const = default;
};

// One block of a regular file ('B'): the chunk holding its bytes and how many
// of them belong to the file. Bytes of the block past length read as zeros
// (a truncate shortens length without rewriting the chunk).
struct BlockRecord {
  std::string chunk_id;  // 32 raw bytes (SHA-256)
  uint32_t length = 0;
  bool operator==(const BlockRecord&) const = default;
};

// A directory's change stamp ('T'): the times of its last entry change.
// Entry changes write it blindly instead of the directory's inode record, so
// that concurrent creates and removals in one directory do not conflict; a
// directory's mtime and ctime are the later of the two records'.
struct DirTimesRecord {
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
};

// The unversioned per-share filesystem record ('M').
struct ShareFsRecord {
  uint64_t epoch = 0;  // the live epoch E; versions are written at E
  uint64_t root = 0;   // root directory inode
  int64_t created_ns = 0;
};

std::string EncodeInode(const InodeRecord& r);
Result<InodeRecord> DecodeInode(std::string_view v);
std::string EncodeDirEntry(const DirEntryRecord& r);
Result<DirEntryRecord> DecodeDirEntry(std::string_view v);
std::string EncodeDirTimes(const DirTimesRecord& r);
Result<DirTimesRecord> DecodeDirTimes(std::string_view v);
std::string EncodeBlock(const BlockRecord& r);
Result<BlockRecord> DecodeBlock(std::string_view v);
std::string EncodeShareFs(const ShareFsRecord& r);
Result<ShareFsRecord> DecodeShareFs(std::string_view v);
// Opaque byte payloads (inline data, symlink targets, xattr values).
std::string EncodeBlob(std::string_view bytes);
Result<std::string> DecodeBlob(std::string_view v);

}  // namespace nasd::meta
