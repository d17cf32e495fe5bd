#include "common/fs_info.h"

#include <sys/statfs.h>

#include <fmt/format.h>

namespace nasd {
namespace {

struct Magic {
  uint64_t magic;
  const char* name;
  bool volatile_memory;
  bool network;
};

// Values from linux/magic.h (not all are exported by glibc headers).
constexpr Magic kMagics[] = {
    {0xEF53, "ext4", false, false},        {0x58465342, "xfs", false, false},
    {0x9123683E, "btrfs", false, false},   {0x01021994, "tmpfs", true, false},
    {0x858458f6, "ramfs", true, false},    {0x6969, "nfs", false, true},
    {0xFF534D42, "cifs", false, true},     {0xFE534D42, "smb2", false, true},
    {0x65735546, "fuse", false, true},     {0x794c7630, "overlayfs", false, false},
    {0x2fc12fc1, "zfs", false, false},     {0xF2F52010, "f2fs", false, false},
    {0x4d44, "vfat", false, false},        {0x5346544e, "ntfs", false, false},
    {0x00c36400, "ceph", false, true},     {0x0BD00BD0, "lustre", false, true},
    {0x47504653, "gpfs", false, true},     {0x6B414653, "afs", false, true},
};

}  // namespace

Result<FsInfo> StatFs(const std::string& path) {
  struct statfs st {};
  if (::statfs(path.c_str(), &st) != 0) return ErrnoStatus(errno, fmt::format("statfs {}", path));
  FsInfo info;
  info.total_bytes = static_cast<uint64_t>(st.f_blocks) * static_cast<uint64_t>(st.f_bsize);
  info.free_bytes = static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_bsize);
  info.type = fmt::format("unknown (0x{:x})", static_cast<uint64_t>(st.f_type) & 0xffffffffULL);
  for (const auto& m : kMagics) {
    if ((static_cast<uint64_t>(st.f_type) & 0xffffffffULL) == m.magic) {
      info.type = m.name;
      info.volatile_memory = m.volatile_memory;
      info.network = m.network;
      break;
    }
  }
  return info;
}

}  // namespace nasd
