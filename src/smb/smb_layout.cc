#include "smb/smb_layout.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace nasd::smb {

std::vector<std::string> SmbLayout::dirs() const {
  return {root,        dir("lock"),     dir("state"), dir("cache"), pid_dir(),
          private_dir(), dir("ncalrpc"), dir("binddns"), log_dir(),  mount_root()};
}

Status CreateLayout(const SmbLayout& layout) {
  for (const std::string& d : layout.dirs()) {
    std::error_code ec;
    std::filesystem::create_directories(d, ec);
    if (ec) return IoError(fmt::format("cannot create {}: {}", d, ec.message()));
    // smbd refuses a world-readable private dir, and the others need not be
    // writable by anyone but root.
    mode_t mode = d == layout.private_dir() ? 0700 : 0755;
    if (::chmod(d.c_str(), mode) != 0) {
      return IoError(fmt::format("cannot chmod {}: {}", d, std::strerror(errno)));
    }
  }
  return Status::Ok();
}

}  // namespace nasd::smb
