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
// 'S' + share name -> share record (JSON: id, name, created_ns).
inline constexpr std::string_view kSharePrefix = "S";
// 'F' + share id (u64) + ... -> every filesystem record of one share (inodes,
// directory entries, block maps, xattrs). A share whose 'F' range holds no
// directory entry is empty. Sub-prefixes are defined by the filesystem layer.
inline constexpr std::string_view kShareDataPrefix = "F";
// Within a share's 'F' range: 'D' + parent inode (u64) + name -> directory entry.
inline constexpr char kDirEntryTag = 'D';

void AppendU64(std::string& out, uint64_t v);
// Reads a big-endian u64 at the front of in; false if too short.
bool ReadU64(std::string_view in, uint64_t& v);

std::string ShareKey(std::string_view name);
std::string ShareDataPrefix(uint64_t share_id);
std::string DirEntryPrefix(uint64_t share_id);
std::string DirEntryKey(uint64_t share_id, uint64_t parent_inode, std::string_view name);

}  // namespace nasd::meta::keys
