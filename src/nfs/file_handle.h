// NFSv3 file handles: which object of which share a client means, stable
// across restarts (inode numbers are never reused; the generation completes
// them). Layout, big-endian, 40 bytes (RFC 1813 allows up to 64):
//   u32 magic "NSD" + version 1 | u64 share id | u64 view (0: live, else a
//   snapshot epoch) | u64 inode | u64 generation | u32 FNV-1a of the 36
//   bytes before it.
// The checksum is no security measure (exports are checked on every call);
// it makes a corrupted or made-up handle NFS3ERR_BADHANDLE instead of a
// lookup of some random inode.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace nasd::nfs {

inline constexpr size_t kFileHandleSize = 40;
inline constexpr size_t kMaxFileHandleSize = 64;  // NFS3_FHSIZE

struct FileHandle {
  uint64_t share_id = 0;
  uint64_t view = 0;
  uint64_t ino = 0;
  uint64_t generation = 0;

  std::string Encode() const;
  // kInvalidArgument for anything Encode did not produce (wrong size, magic,
  // version or checksum).
  static Result<FileHandle> Decode(std::string_view bytes);

  bool operator==(const FileHandle&) const = default;
};

}  // namespace nasd::nfs
