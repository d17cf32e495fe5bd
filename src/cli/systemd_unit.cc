#include "cli/systemd_unit.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace nasd::cli {

std::string SystemdUnitText(const std::string& binary, const std::string& config_path,
                            const std::string& storage_path) {
  return fmt::format(R"([Unit]
Description=nasd software-defined NAS
After=network-online.target local-fs.target
Wants=network-online.target

[Service]
Type=simple
ExecStart={} --config {} --log-format json serve
KillSignal=SIGTERM
TimeoutStopSec=60
Restart=on-failure
RestartSec=2
LimitNOFILE=65536
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=yes
ReadWritePaths={}

[Install]
WantedBy=multi-user.target
)",
                     binary, config_path, storage_path);
}

bool CanInstallSystemdUnit() {
  struct stat st {};
  return ::geteuid() == 0 && ::stat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace nasd::cli
