// Where nasd keeps Samba's files: everything under storage.path/smb, so that
// smbd never touches /var/lib/samba, /run/samba or /etc/samba.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace nasd::smb {

struct SmbLayout {
  std::string root;  // storage.path/smb

  explicit SmbLayout(std::string storage_path) : root(std::move(storage_path) + "/smb") {}

  std::string conf() const { return root + "/smb.conf"; }
  std::string private_dir() const { return root + "/private"; }  // 0700: passdb, secrets
  std::string passdb() const { return private_dir() + "/smbpasswd"; }
  std::string pid_dir() const { return root + "/pid"; }
  std::string log_dir() const { return root + "/log"; }
  std::string mount_root() const { return root + "/mnt"; }
  std::string mountpoint(const std::string& share) const { return mount_root() + "/" + share; }
  // Every folder Samba writes state to (lock, state, cache, pid, private,
  // ncalrpc, binddns, log), plus the mount root.
  std::vector<std::string> dirs() const;
  std::string dir(const char* name) const { return root + "/" + name; }
};

// Creates every folder of the layout (0755; private 0700). kIoError naming
// the folder.
Status CreateLayout(const SmbLayout& layout);

}  // namespace nasd::smb
