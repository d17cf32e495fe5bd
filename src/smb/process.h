// Child processes for the Samba supervisor: spawned (optionally in their own
// process group) with a clean signal state (nasd blocks SIGTERM/SIGINT in every
// thread), no inherited descriptors beyond stdio, and stdout+stderr on one
// pipe so that their lines reach nasd's log.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/posix_io.h"
#include "common/status.h"

namespace nasd::smb {

struct Child {
  pid_t pid = -1;           // also the process group id
  posix::UniqueFd output;   // read end: the child's stdout and stderr
};

// Starts argv (argv[0] looked up in PATH) with stdin on /dev/null, in a new
// process group if own_group (smbd makes its own session, which a group
// leader cannot). kNotFound if the program does not exist.
Result<Child> Spawn(const std::vector<std::string>& argv, bool own_group);

struct CommandResult {
  int wait_status = 0;  // as from waitpid
  std::string output;   // stdout and stderr together
  bool succeeded() const;
};

// Spawns argv and waits for it, reading its output (at most 64 KiB kept).
Result<CommandResult> Run(const std::vector<std::string>& argv);

// "exit code 3", "signal 9 (Killed)".
std::string DescribeWaitStatus(int wait_status);

// The command line of PID (/proc/PID/cmdline, arguments joined by spaces);
// empty when the process does not exist (or is a zombie).
std::string ProcCmdline(pid_t pid);

// Splits data into complete lines ("\n"; a "\r" before it is dropped), calls
// sink for each, and keeps the unfinished tail in pending.
template <typename Sink>
void SplitLines(std::string& pending, std::string_view data, Sink sink) {
  pending.append(data);
  size_t start = 0;
  for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string_view line(pending.data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    sink(line);
  }
  pending.erase(0, start);
}

}  // namespace nasd::smb
