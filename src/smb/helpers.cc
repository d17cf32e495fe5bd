#include "smb/helpers.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "common/logging.h"
#include "smb/process.h"

namespace nasd::smb {
namespace {

// True if cmdline holds conf_path as a whole argument or as --configfile=.
bool RunsWithConf(const std::string& cmdline, const std::string& conf_path) {
  std::istringstream words(cmdline);
  for (std::string w; words >> w;) {
    if (w == conf_path || w == "--configfile=" + conf_path) return true;
  }
  return false;
}

pid_t ReadPid(const std::filesystem::path& file) {
  std::ifstream in(file);
  long pid = 0;
  in >> pid;
  return in && pid > 1 ? static_cast<pid_t>(pid) : 0;
}

}  // namespace

int StopHelpers(const std::string& pid_dir, const std::string& conf_path, std::chrono::milliseconds timeout) {
  std::vector<pid_t> signalled;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(pid_dir, ec)) {
    if (entry.path().extension() != ".pid") continue;
    pid_t pid = ReadPid(entry.path());
    std::string cmdline = pid > 0 ? ProcCmdline(pid) : "";
    if (pid > 0 && RunsWithConf(cmdline, conf_path)) {
      log::Info("smb.helper_stop").Int("pid", pid).Str("cmdline", cmdline);
      // Its rpcd_* workers share its process group.
      if (::getpgid(pid) == pid) ::kill(-pid, SIGTERM);
      ::kill(pid, SIGTERM);
      signalled.push_back(pid);
    }
    std::filesystem::remove(entry.path(), ec);
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (pid_t pid : signalled) {
    while (!ProcCmdline(pid).empty() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!ProcCmdline(pid).empty() && RunsWithConf(ProcCmdline(pid), conf_path)) {
      log::Warn("smb.helper_kill").Int("pid", pid).Str("why", "did not stop after SIGTERM");
      if (::getpgid(pid) == pid) ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
    }
  }
  return static_cast<int>(signalled.size());
}

}  // namespace nasd::smb
