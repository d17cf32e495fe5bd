#include "smb/smb_conf.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nasd::smb {
namespace {

// smb.conf has no quoting: a value runs to the end of its line, a trailing
// backslash continues it and surrounding spaces are trimmed.
Status CheckValue(std::string_view what, std::string_view v) {
  bool bad = std::any_of(v.begin(), v.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
  if (bad || (!v.empty() && (v.front() == ' ' || v.back() == ' ' || v.back() == '\\'))) {
    return InvalidArgument(fmt::format("{} '{}' cannot be written to smb.conf", what, v));
  }
  return Status::Ok();
}

const char* YesNo(bool b) { return b ? "yes" : "no"; }

class Writer {
 public:
  void Section(std::string_view name) { out_ += fmt::format("\n[{}]\n", name); }
  void Set(std::string_view key, std::string_view value) { out_ += fmt::format("\t{} = {}\n", key, value); }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_ = "# Written by nasd at every start; changes here are lost.\n";
};

std::string Join(const std::vector<std::string>& names) { return fmt::format("{}", fmt::join(names, " ")); }

void WriteShare(Writer& w, const SmbShareAccess& a) {
  w.Section(a.share.name);
  w.Set("comment", fmt::format("nasd share {}", a.share.share));
  w.Set("path", a.path);
  w.Set("read only", YesNo(a.share.read_only));
  w.Set("browseable", YesNo(a.share.browseable));
  w.Set("guest ok", YesNo(a.share.guest_ok));
  std::vector<std::string> valid = a.read_write;
  valid.insert(valid.end(), a.read_only.begin(), a.read_only.end());
  if (a.share.guest_ok) valid.push_back(kGuestAccount);
  if (valid.empty()) {
    // An empty "valid users" would let every user in: nobody is granted.
    w.Set("available", "no");
  } else {
    std::sort(valid.begin(), valid.end());
    w.Set("valid users", Join(valid));
  }
  if (!a.read_only.empty()) w.Set("read list", Join(a.read_only));
  if (!a.share.oplocks) {
    // No oplock and no lease is granted (a lease request is an oplock request).
    w.Set("oplocks", "no");
    w.Set("level2 oplocks", "no");
  }
  // DOS attributes live in user.DOSATTRIB (nasd's vfs keeps xattrs).
  w.Set("store dos attributes", "yes");
  w.Set("ea support", "yes");
  w.Set("vfs objects", "shadow_copy2");
  w.Set("shadow:mountpoint", a.path);
  w.Set("shadow:snapdir", ".snapshots");
  w.Set("shadow:snapprefix", kSnapshotPrefixRegex);
  w.Set("shadow:delimiter", "-");
  w.Set("shadow:format", kSnapshotTimeFormat);
  w.Set("shadow:localtime", "no");
  w.Set("shadow:sort", "desc");
}

}  // namespace

Result<std::string> RenderSmbConf(const SmbConfig& config, const SmbLayout& layout,
                                  const std::vector<SmbShareAccess>& shares) {
  NASD_ASSIGN_OR_RETURN(HostPort listen, ParseHostPort(config.listen));
  NASD_RETURN_IF_ERROR(CheckValue("storage path", layout.root));
  for (const auto& a : shares) {
    NASD_RETURN_IF_ERROR(CheckValue("mount path", a.path));
    NASD_RETURN_IF_ERROR(CheckValue("share name", a.share.name));
  }
  const bool any_guest = std::any_of(shares.begin(), shares.end(), [](const auto& a) { return a.share.guest_ok; });
  Writer w;
  w.Section("global");
  w.Set("server role", "standalone server");
  w.Set("security", "user");
  w.Set("smb ports", std::to_string(listen.port));
  if (listen.host != "0.0.0.0" && listen.host != "::") {
    w.Set("interfaces", listen.host);
    w.Set("bind interfaces only", "yes");
  }
  w.Set("disable netbios", "yes");
  w.Set("server min protocol", config.min_protocol);
  w.Set("server max protocol", config.max_protocol);
  w.Set("server signing", config.signing);
  w.Set("server smb encrypt", config.encryption);
  for (const char* d : {"lock", "state", "cache"}) w.Set(fmt::format("{} directory", d), layout.dir(d));
  for (const char* d : {"ncalrpc", "binddns"}) w.Set(fmt::format("{} dir", d), layout.dir(d));
  w.Set("pid directory", layout.pid_dir());
  w.Set("private dir", layout.private_dir());
  w.Set("log file", layout.log_dir() + "/log.%m");
  w.Set("max log size", "10000");
  w.Set("passdb backend", "smbpasswd:" + layout.passdb());
  w.Set("map to guest", any_guest ? "Bad User" : "Never");
  w.Set("guest account", kGuestAccount);
  if (!any_guest) w.Set("restrict anonymous", "2");
  w.Set("load printers", "no");
  w.Set("printcap name", "/dev/null");
  w.Set("disable spoolss", "yes");
  w.Set("show add printer wizard", "no");
  // nasd's shares are FUSE mounts: byte-range locks stay inside Samba.
  w.Set("kernel oplocks", "no");
  w.Set("posix locking", "no");
  for (const auto& a : shares) WriteShare(w, a);
  return w.Take();
}

}  // namespace nasd::smb
