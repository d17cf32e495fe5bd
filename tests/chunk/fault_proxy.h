// FaultProxy: a tiny HTTP/1.1 proxy for fault tests. It listens on
// 127.0.0.1 (a free port), reads each request whole and either forwards it to
// the upstream server (one upstream connection per request, "Connection:
// close"; the client's connection stays open for its next request whenever
// the answer is framed by its length) or misbehaves as armed: answer an error (503 SlowDown ...), hold the request for a
// while first, or drop the connection without an answer (a server that went
// away). Counts what it saw. Thread-safe; the destructor stops every thread.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace nasd::chunk::testing {

class FaultProxy {
 public:
  explicit FaultProxy(int upstream_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The next n requests are answered `status` without reaching upstream:
  // 503 SlowDown, 500 InternalError, 403 AccessDenied or 429.
  void FailNext(int n, int status = 503) {
    fail_status_ = status;
    fail_next_ = n;
  }
  // The next n requests wait `delay` before they are forwarded.
  void DelayNext(int n, std::chrono::milliseconds delay) {
    delay_ms_ = delay.count();
    delay_next_ = n;
  }
  // While on, every connection is closed as soon as a request arrives.
  void SetDrop(bool on) { drop_ = on; }

  int requests() const { return requests_; }    // requests read whole
  int forwarded() const { return forwarded_; }  // requests upstream answered
  int failed() const { return failed_; }        // 503s sent
  int connections() const { return connections_; }  // client connections accepted

 private:
  void AcceptLoop();
  void Serve(int fd);
  // Forwards one request and relays the answer; false when the client
  // connection must close.
  bool Forward(int client, const std::string& head, const std::string& body);

  const int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> fail_next_{0};
  std::atomic<int> fail_status_{503};
  std::atomic<int> delay_next_{0};
  std::atomic<long> delay_ms_{0};
  std::atomic<bool> drop_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> forwarded_{0};
  std::atomic<int> failed_{0};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> workers_;  // guarded by mu_
};

}  // namespace nasd::chunk::testing
