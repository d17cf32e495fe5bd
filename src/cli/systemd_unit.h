// The systemd unit that `nasd init --install-systemd` writes.
#pragma once

#include <string>

namespace nasd::cli {

inline constexpr char kSystemdUnitPath[] = "/etc/systemd/system/nasd.service";

// Unit text running `binary --config config serve`, restarting on failure,
// stopped with SIGTERM (nasd drains) and hardened with systemd's sandboxing;
// storage_path is the only writable path besides the runtime folders.
std::string SystemdUnitText(const std::string& binary, const std::string& config_path,
                            const std::string& storage_path);

// True when running as root on a host booted with systemd.
bool CanInstallSystemdUnit();

}  // namespace nasd::cli
