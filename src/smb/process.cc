#include "smb/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

extern char** environ;

namespace nasd::smb {
namespace {

constexpr size_t kMaxCapturedOutput = 64 << 10;

}  // namespace

Result<Child> Spawn(const std::vector<std::string>& argv, bool own_group) {
  if (argv.empty()) return InvalidArgument("no program to start");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoStatus(errno, "pipe");
  posix::UniqueFd read_end(fds[0]);
  posix::UniqueFd write_end(fds[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 2);
  // nasd's sockets, KV files and the FUSE device stay out of the child.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                      (own_group ? POSIX_SPAWN_SETPGROUP : 0));

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc == ENOENT) return NotFound(fmt::format("program '{}' not found in PATH", argv[0]));
  if (rc != 0) return ErrnoStatus(rc, fmt::format("start {}", argv[0]));
  return Child{pid, std::move(read_end)};
}

bool CommandResult::succeeded() const { return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0; }

Result<CommandResult> Run(const std::vector<std::string>& argv) {
  NASD_ASSIGN_OR_RETURN(Child child, Spawn(argv, /*own_group=*/true));
  CommandResult result;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(child.output.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (result.output.size() < kMaxCapturedOutput) result.output.append(buf, static_cast<size_t>(n));
  }
  while (::waitpid(child.pid, &result.wait_status, 0) < 0) {
    if (errno != EINTR) return ErrnoStatus(errno, fmt::format("wait for {}", argv[0]));
  }
  return result;
}

std::string DescribeWaitStatus(int st) {
  if (WIFEXITED(st)) return fmt::format("exit code {}", WEXITSTATUS(st));
  if (WIFSIGNALED(st)) return fmt::format("signal {} ({})", WTERMSIG(st), ::strsignal(WTERMSIG(st)));
  return fmt::format("wait status {}", st);
}

std::string ProcCmdline(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!raw.empty() && raw.back() == '\0') raw.pop_back();
  for (char& c : raw) {
    if (c == '\0') c = ' ';
  }
  return raw;
}

}  // namespace nasd::smb
