// Samba's helper daemons (samba-dcerpcd and its rpcd_* workers) are started
// by smbd on demand in a session of their own, so they outlive smbd. They
// are found through the pid files in nasd's private pid directory and stopped
// only after /proc/PID/cmdline shows they run with nasd's own smb.conf:
// never by name.
#pragma once

#include <chrono>
#include <string>

namespace nasd::smb {

// Stops every process named by a *.pid file in pid_dir whose command line
// carries conf_path (SIGTERM to it and its process group when it leads one,
// SIGKILL after timeout), and removes those pid files. Returns how many
// processes it signalled.
int StopHelpers(const std::string& pid_dir, const std::string& conf_path,
                std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace nasd::smb
