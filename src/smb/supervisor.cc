#include "smb/supervisor.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/logging.h"
#include "smb/process.h"

namespace nasd::smb {
namespace {

using Clock = std::chrono::steady_clock;

// Samba writes a header line "[2026/01/02 03:04:05.678901,  0] file.c:12(fn)"
// before each message; the pair becomes one log event.
class LineForwarder {
 public:
  explicit LineForwarder(std::string event) : event_(std::move(event)) {}

  void Line(std::string_view line) {
    if (line.size() > 2 && line.front() == '[' && line.find("] ") != std::string_view::npos &&
        line.find(',') < line.find(']')) {
      Flush();
      header_ = std::string(line.substr(line.find("] ") + 2));
      has_header_ = true;
      return;
    }
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line.empty()) return;
    auto e = log::Info(event_);
    e.Str("line", line);
    if (has_header_) e.Str("where", header_);
    has_header_ = false;
  }
  void Flush() {
    if (has_header_) log::Info(event_).Str("where", header_);
    has_header_ = false;
  }

 private:
  const std::string event_;
  std::string header_;
  bool has_header_ = false;
};

// To the child's process group; to the child alone if it has not made its
// own group yet (smbd calls setsid() a moment after it starts).
void Signal(pid_t pid, int sig) {
  if (::kill(-pid, sig) != 0) ::kill(pid, sig);
}

}  // namespace

std::string_view ChildStateName(ChildState state) {
  switch (state) {
    case ChildState::kStopped: return "stopped";
    case ChildState::kStarting: return "starting";
    case ChildState::kRunning: return "running";
    case ChildState::kRestarting: return "restarting";
    case ChildState::kFailed: return "failed";
  }
  return "unknown";
}

Supervisor::Supervisor(SupervisorOptions options) : options_(std::move(options)) {}

Supervisor::~Supervisor() { Stop(); }

void Supervisor::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Supervisor::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SupervisorStatus Supervisor::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

bool Supervisor::WaitRunning(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return status_.state == ChildState::kRunning; });
}

void Supervisor::SetState(ChildState state, pid_t pid) {
  {
    std::lock_guard lock(mu_);
    status_.state = state;
    status_.pid = pid;
  }
  cv_.notify_all();
}

bool Supervisor::SleepUnlessStopping(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

void Supervisor::Loop() {
  auto backoff = options_.initial_backoff;
  int short_lived = 0;
  for (bool first = true;; first = false) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
      if (!first) ++status_.restarts;
    }
    Clock::time_point started = Clock::now();
    int wait_status = RunOnce(started);
    if (options_.after_exit) options_.after_exit();
    bool stopping;
    {
      std::lock_guard lock(mu_);
      stopping = stopping_;
      if (wait_status != -1) status_.last_exit = DescribeWaitStatus(wait_status);
    }
    if (stopping) break;
    if (wait_status != -1 && Clock::now() - started >= options_.stable_after) {
      backoff = options_.initial_backoff;
      short_lived = 0;
    }
    ++short_lived;
    bool failed = wait_status == -1 || short_lived >= options_.failed_after;
    SetState(failed ? ChildState::kFailed : ChildState::kRestarting, 0);
    log::Warn("smb.child_exited")
        .Str("program", options_.argv.front())
        .Str("why", status().last_exit)
        .Int("restart_in_ms", backoff.count())
        .Str("state", ChildStateName(status().state));
    if (!SleepUnlessStopping(backoff)) break;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  SetState(ChildState::kStopped, 0);
}

int Supervisor::RunOnce(Clock::time_point& started) {
  auto child = Spawn(options_.argv, options_.own_group);
  if (!child.ok()) {
    log::Error("smb.child_start_failed").Str("program", options_.argv.front()).Err(child.status());
    std::lock_guard lock(mu_);
    status_.last_exit = child.status().message();
    return -1;
  }
  const pid_t pid = child->pid;
  started = Clock::now();
  SetState(ChildState::kStarting, pid);
  log::Info("smb.child_started").Str("program", options_.argv.front()).Int("pid", pid);

  LineForwarder forward(options_.log_event);
  std::string pending;
  bool pipe_open = true;
  bool ready = false;
  Clock::time_point term_sent{};
  bool killed = false;
  int wait_status = 0;
  char buf[8192];
  for (;;) {
    // The pipe may stay open after the child dies (a helper inherits it),
    // so the child's end is found by waitpid, not by EOF.
    if (pipe_open) {
      pollfd p{child->output.get(), POLLIN, 0};
      int n = ::poll(&p, 1, 50);
      if (n > 0) {
        ssize_t got = ::read(child->output.get(), buf, sizeof buf);
        if (got > 0) {
          SplitLines(pending, std::string_view(buf, static_cast<size_t>(got)),
                     [&](std::string_view line) { forward.Line(line); });
          continue;  // drain before anything else
        }
        if (got == 0 || (errno != EINTR && errno != EAGAIN)) pipe_open = false;
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // Seen but not reaped: the zombie keeps the pid and its group id ours
    // until the group is killed below.
    siginfo_t info{};
    if (::waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) break;
    if (!ready && options_.ready && options_.ready()) ready = true;
    if (!ready && !options_.ready) ready = true;
    if (ready && status().state == ChildState::kStarting) {
      SetState(ChildState::kRunning, pid);
      log::Info("smb.child_ready").Str("program", options_.argv.front()).Int("pid", pid);
    }
    bool stopping;
    {
      std::lock_guard lock(mu_);
      stopping = stopping_;
    }
    if (stopping && term_sent == Clock::time_point{}) {
      Signal(pid, SIGTERM);
      term_sent = Clock::now();
    } else if (stopping && !killed && Clock::now() - term_sent > options_.stop_timeout) {
      log::Warn("smb.child_kill").Int("pid", pid).Str("why", "did not stop after SIGTERM");
      Signal(pid, SIGKILL);
      killed = true;
    }
  }
  // What is still buffered in the pipe belongs to this child's last words.
  if (pipe_open) {
    pollfd p{child->output.get(), POLLIN, 0};
    while (::poll(&p, 1, 0) > 0) {
      ssize_t got = ::read(child->output.get(), buf, sizeof buf);
      if (got <= 0) break;
      SplitLines(pending, std::string_view(buf, static_cast<size_t>(got)),
                 [&](std::string_view line) { forward.Line(line); });
    }
  }
  if (!pending.empty()) forward.Line(pending);
  forward.Flush();
  // Whatever is left in the child's group goes too; helpers that made their
  // own session are after_exit's business.
  Signal(pid, SIGKILL);
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  return wait_status;
}

}  // namespace nasd::smb
