// The SMB part of `nasd serve`: each SMB share mounted through FUSE
// (allow_other, so smbd acting as a user can reach it) and served by a
// supervised smbd (smb/smb_service.h).
#pragma once

#include <memory>

#include "api/api.h"
#include "cli/services.h"
#include "common/config.h"
#include "smb/smb_service.h"
#include "vfs/share_mounts.h"

namespace nasd::cli {

// Null when smb.enabled is false. mounts and s must outlive the service.
Result<std::unique_ptr<smb::SmbService>> StartSmb(const Config& config, Services& s, vfs::ShareMounts& mounts);

// /readyz and /api/v1/status reports of the service.
std::vector<api::ServiceReport> SmbReports(const smb::SmbService& service);

}  // namespace nasd::cli
