// Supervisor: keeps one child process (smbd) running. It forwards the
// child's output lines into nasd's log, restarts it with exponential backoff
// when it dies (logging the exit code or signal), and stops it with nasd:
// SIGTERM to its process group (which the child leads: the supervisor puts
// it in a new one, or the child makes its own session, as smbd does), SIGKILL
// after stop_timeout.
//
// Thread-safe. One background thread per supervisor, from Start() to Stop().
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "common/thread_annotations.h"

namespace nasd::smb {

enum class ChildState {
  kStopped,     // not started, or stopped with nasd
  kStarting,    // spawned, not yet ready
  kRunning,     // ready (the probe answered)
  kRestarting,  // died; waiting out the backoff before the next start
  kFailed,      // could not be started, or died kFailedAfter times in a row
};
std::string_view ChildStateName(ChildState state);

struct SupervisorStatus {
  ChildState state = ChildState::kStopped;
  pid_t pid = 0;          // 0 when no child runs
  uint64_t restarts = 0;  // starts after the first
  std::string last_exit;  // why the last child ended ("signal 9 (Killed)"), or why it could not start
};

struct SupervisorOptions {
  std::vector<std::string> argv;
  // Start the child in a new process group. False for a child that calls
  // setsid() itself (smbd --foreground): a group leader could not.
  bool own_group = true;
  std::string log_event = "smb.smbd";  // the event of forwarded output lines
  // Answers true once the child serves (e.g. its port accepts). Polled every
  // 50 ms while starting; null: running as soon as spawned.
  std::function<bool()> ready;
  // Runs after every child exit, before a restart (e.g. stops helpers the
  // child left behind). May block briefly.
  std::function<void()> after_exit;
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{30'000};
  // A child that lived this long resets the backoff and the failure count.
  std::chrono::milliseconds stable_after{60'000};
  std::chrono::milliseconds stop_timeout{10'000};
  int failed_after = 5;  // consecutive short-lived children before kFailed
};

class Supervisor {
 public:
  explicit Supervisor(SupervisorOptions options);
  ~Supervisor();  // Stop()

  // Starts the background thread, which starts the child. Returns at once.
  void Start();
  // Stops the child (SIGTERM to its group, SIGKILL after stop_timeout) and
  // waits for it and the thread. Idempotent.
  void Stop();
  SupervisorStatus status() const;
  // Blocks until the state is kRunning or timeout passes; true if running.
  bool WaitRunning(std::chrono::milliseconds timeout) const;

 private:
  void Loop();
  // Runs one child until it exits or Stop(); returns its wait status, or
  // nullopt-like -1 when it could not be spawned (status holds why).
  int RunOnce(std::chrono::steady_clock::time_point& started);
  void SetState(ChildState state, pid_t pid);
  bool SleepUnlessStopping(std::chrono::milliseconds d);

  const SupervisorOptions options_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  SupervisorStatus status_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace nasd::smb
