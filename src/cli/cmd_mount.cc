// nasd mount SHARE MOUNTPOINT: serves one share of the volume through FUSE
// in this process (fuse/fuse_mount.h). Without --foreground the command
// returns once the mount is up (or prints why it failed); a daemon child
// keeps serving. umount, fusermount3 -u, SIGTERM, SIGINT and SIGHUP end it
// with every buffered write committed.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/services.h"
#include "common/logging.h"
#include "fuse/fuse_mount.h"

namespace nasd::cli {
namespace {

struct MountFlags {
  std::string share;
  std::string mountpoint;
  bool read_only = false;
  bool foreground = false;
  bool allow_other = false;
  int threads = 4;
  std::string log_file;  // a daemon's log; empty: storage.path/logs/mount-SHARE.log
};

// How the outcome of mounting reaches the user: on stderr, or, for a
// daemon, through a pipe to the parent that waits for it.
class Reporter {
 public:
  explicit Reporter(int fd) : fd_(fd) {}
  // Prints (or sends) the error; returns the exit code.
  int Failed(std::string_view message) {
    if (fd_ < 0) return Fail(kExitFailed, message);
    std::string line = "E" + std::string(message);
    ssize_t n = ::write(fd_, line.data(), line.size());
    (void)n;
    return kExitFailed;
  }
  // Tells a waiting parent that the mount is up and detaches from the
  // terminal: from here on the log goes to log_fd (opened by the caller).
  void Mounted(int log_fd) {
    if (fd_ < 0) return;
    ssize_t n = ::write(fd_, "K", 1);
    (void)n;
    ::close(fd_);
    fd_ = -1;
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, STDIN_FILENO);
      ::dup2(null, STDOUT_FILENO);
      if (null > STDERR_FILENO) ::close(null);
    }
    ::dup2(log_fd, STDERR_FILENO);
    ::close(log_fd);
  }

 private:
  int fd_;
};

// Forks: the parent waits for the child's report and exits with it; the
// child returns the write end of the pipe (and -1 is returned on failure to
// fork, after printing why). Called before any thread exists.
int Daemonize(bool& is_parent, int& exit_code) {
  int p[2];
  is_parent = false;
  if (::pipe2(p, O_CLOEXEC) != 0) {
    exit_code = Fail(kExitFailed, fmt::format("pipe: {}", std::strerror(errno)));
    is_parent = true;
    return -1;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    exit_code = Fail(kExitFailed, fmt::format("fork: {}", std::strerror(errno)));
    is_parent = true;
    return -1;
  }
  if (pid > 0) {
    is_parent = true;
    ::close(p[1]);
    std::string report;
    char buf[1024];
    for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      report.append(buf, static_cast<size_t>(n));
    }
    ::close(p[0]);
    if (report == "K") {
      exit_code = kExitOk;
    } else if (!report.empty() && report[0] == 'E') {
      exit_code = Fail(kExitFailed, report.substr(1));
    } else {
      exit_code = Fail(kExitFailed, "the mount process ended before mounting (run with --foreground to see why)");
    }
    return -1;
  }
  ::close(p[0]);
  ::setsid();
  return p[1];
}

int RunMount(const GlobalOptions& global, const MountFlags& flags) {
  auto config = LoadConfigAndLogging(global);
  if (!config.ok()) return Fail(kExitUsage, config.status().message());
  std::error_code ec;
  std::string mountpoint = std::filesystem::absolute(flags.mountpoint, ec).lexically_normal().string();
  if (ec) return Fail(kExitUsage, fmt::format("mountpoint {}: {}", flags.mountpoint, ec.message()));
  if (mountpoint.size() > 1 && mountpoint.back() == '/') mountpoint.pop_back();
  if (flags.threads < 1 || flags.threads > 10) return Fail(kExitUsage, "--threads must be 1..10");

  // A daemon logs to a file (opened before forking, so a bad path is an
  // error the user sees).
  int log_fd = -1;
  if (!flags.foreground) {
    std::string path = flags.log_file;
    if (path.empty()) {
      std::string dir = config->storage.path + "/logs";
      if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) {
        return Fail(kExitFailed, fmt::format("create {}: {}", dir, std::strerror(errno)));
      }
      path = fmt::format("{}/mount-{}.log", dir, flags.share);
    }
    log_fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (log_fd < 0) return Fail(kExitUsage, fmt::format("--log-file {}: {}", path, std::strerror(errno)));
    std::fprintf(stderr, "logging to %s\n", path.c_str());
  }

  int report_fd = -1;
  if (!flags.foreground) {
    bool is_parent = false;
    int exit_code = kExitOk;
    report_fd = Daemonize(is_parent, exit_code);
    if (is_parent) {
      ::close(log_fd);
      return exit_code;
    }
  }
  Reporter report(report_fd);

  // Blocked before any thread starts, so only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto services = OpenServices(*config);
  if (!services.ok()) {
    std::string why = services.status().message();
    if (services.status().code() == Code::kUnavailable) {
      why += "; stop `nasd serve` (or the other `nasd mount`) on this storage first: "
             "one process at a time holds the volume";
    }
    return report.Failed(why);
  }
  Services& s = **services;
  int code = kExitOk;
  {
    vfs::ShareMounts shares(*s.kv, *s.chunks, ShareMountsOptionsFrom(*config, s));
    auto fs = shares.Get(flags.share);
    if (!fs.ok()) {
      code = report.Failed(fs.status().code() == Code::kNotFound
                               ? fmt::format("no share named '{}' (see `nasd share list`)", flags.share)
                               : fs.status().message());
    } else {
      fuse::MountOptions o;
      o.mountpoint = mountpoint;
      o.fsname = "nasd:" + flags.share;
      o.read_only = flags.read_only;
      o.allow_other = flags.allow_other;
      o.threads = flags.threads;
      auto mount = fuse::FuseMount::Start(*fs, o);
      if (!mount.ok()) {
        code = report.Failed(fmt::format("cannot mount {}: {}", mountpoint, mount.status().message()));
      } else {
        report.Mounted(log_fd);
        log_fd = -1;
        log::Info("fuse.mounted").Str("share", flags.share).Str("mountpoint", mountpoint).Int("pid", ::getpid());
        // An unmount from outside ends the wait as a signal does.
        pthread_t main_thread = pthread_self();
        std::thread watcher([&mount, main_thread] {
          (*mount)->Wait();
          pthread_kill(main_thread, SIGTERM);
        });
        int sig = 0;
        sigwait(&stop_signals, &sig);
        log::Info("fuse.stopping").Str("mountpoint", mountpoint).Int("signal", sig);
        (*mount)->Stop();
        watcher.join();
        mount->reset();
      }
    }
    Status flushed = shares.FlushAll();
    if (!flushed.ok()) {
      log::Error("fuse.flush_failed").Err(flushed);
      code = kExitFailed;
    }
  }
  Status closed = s.Close();
  if (!closed.ok()) {
    log::Error("fuse.close_failed").Err(closed);
    code = kExitFailed;
  }
  if (log_fd >= 0) ::close(log_fd);
  return code;
}

}  // namespace

void AddMountCommand(CLI::App& app, const GlobalOptions& global, Runner& run) {
  auto flags = std::make_shared<MountFlags>();
  auto* sub = app.add_subcommand(
      "mount",
      "Mount SHARE of the volume at MOUNTPOINT through FUSE, served by this process (root only).\n"
      "Returns once mounted unless --foreground. umount, fusermount3 -u, SIGTERM or SIGINT unmount\n"
      "cleanly with every write committed. Cannot run beside `nasd serve` on the same storage.");
  sub->add_option("share", flags->share, "Share name")->required();
  sub->add_option("mountpoint", flags->mountpoint, "An empty directory")->required();
  sub->add_flag("--read-only", flags->read_only, "Every change fails with EROFS");
  sub->add_flag("--foreground", flags->foreground, "Stay in the foreground, logging to stderr");
  sub->add_flag("--allow-other", flags->allow_other, "Let other users than root use the mount");
  sub->add_option("--threads", flags->threads, "FUSE worker threads kept idle, 1..10 (default 4)");
  sub->add_option("--log-file", flags->log_file,
                  "Where the daemon logs once mounted (appended; default STORAGE/logs/mount-SHARE.log)");
  sub->callback([&global, &run, flags] { run = [&global, flags] { return RunMount(global, *flags); }; });
}

}  // namespace nasd::cli
