// The private smb.conf nasd writes for its smbd: every Samba state folder
// under SmbLayout, only the configured address and port, and one section per
// SMB share pointing at nasd's FUSE mount of the share.
#pragma once

#include <string>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "smb/smb_layout.h"

namespace nasd::smb {

// Who may use one SMB share: the nasd grants on its share, resolved to user
// names when the file is written.
struct SmbShareAccess {
  SmbShareConfig share;
  std::string path;                     // where the share is mounted
  std::vector<std::string> read_write;  // users granted read-write
  std::vector<std::string> read_only;   // users granted read-only
};

// The Unix account guests act as when a share has guest_ok.
inline constexpr char kGuestAccount[] = "nobody";

// Scheduled snapshots are named LABEL-YYYY-MM-DDTHH:MM:SSZ
// (meta/snapshot_schedule.h); shadow_copy2 shows exactly those as Previous
// Versions. It matches the label with the regex, finds the delimiter "-" and
// parses the rest, delimiter included, with the format.
inline constexpr char kSnapshotPrefixRegex[] = "^[a-z0-9]\\{1,16\\}$";
inline constexpr char kSnapshotTimeFormat[] = "-%Y-%m-%dT%H:%M:%SZ";

// The whole file. kInvalidArgument if a path or name holds a character
// smb.conf cannot carry (a control character, or a leading/trailing space).
Result<std::string> RenderSmbConf(const SmbConfig& config, const SmbLayout& layout,
                                  const std::vector<SmbShareAccess>& shares);

}  // namespace nasd::smb
