// Helpers for the HTTP tests: a Server on 127.0.0.1:0 with its own Router and
// Registry, and a raw blocking socket client that can send anything (partial
// headers, pipelined requests, garbage) and parse what comes back.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "http/client.h"
#include "http/router.h"
#include "http/server.h"
#include "metrics/metrics.h"

namespace nasd::http::testing {

using namespace std::chrono_literals;

// Owns everything a Server borrows; the Server is started by Start().
class TestServer {
 public:
  explicit TestServer(ServerOptions options = {}) : options_(std::move(options)) {
    options_.host = "127.0.0.1";
    options_.port = 0;
  }
  ~TestServer() {
    if (server_) server_->Stop();
  }

  Router& router() { return router_; }
  ServerOptions& options() { return options_; }
  metrics::Registry& registry() { return registry_; }
  Server& server() { return *server_; }
  uint16_t port() const { return server_->port(); }

  // Starts the server with the routes and options set so far.
  ::testing::AssertionResult Start() {
    server_ = std::make_unique<Server>(options_, router_, registry_);
    Status st = server_->Start();
    if (!st.ok()) return ::testing::AssertionFailure() << st.ToString();
    return ::testing::AssertionSuccess();
  }

  Result<ClientResponse> Fetch(std::string method, std::string target, std::string body = "",
                               Headers headers = {}) const {
    ClientRequest req;
    req.port = port();
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    req.headers = std::move(headers);
    req.timeout = 5s;
    return http::Fetch(req);
  }

 private:
  ServerOptions options_;
  Router router_;
  metrics::Registry registry_;
  std::unique_ptr<Server> server_;
};

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lowercase
  std::string body;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// A blocking TCP client on a raw socket. Reads are bounded by deadlines.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawClient() { Close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response. head: the response to a HEAD request (no body even
  // if Content-Length says otherwise). nullopt on timeout or close.
  std::optional<RawResponse> Read(std::chrono::milliseconds timeout = 5s, bool head = false) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return std::nullopt;
    }
    RawResponse r;
    std::string header = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    size_t line_end = header.find("\r\n");
    std::string status_line = header.substr(0, line_end);
    if (status_line.size() < 12) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    size_t pos = line_end;
    while (pos != std::string::npos && pos < header.size()) {
      size_t next = header.find("\r\n", pos + 2);
      std::string line = header.substr(pos + 2, next == std::string::npos ? std::string::npos
                                                                           : next - pos - 2);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        size_t v = line.find_first_not_of(' ', colon + 1);
        r.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      pos = next;
    }
    size_t length = 0;
    if (!head && r.status >= 200 && r.headers.count("content-length")) {
      length = std::stoul(r.headers["content-length"]);
    }
    while (buf_.size() < length) {
      if (!Fill(deadline)) return std::nullopt;
    }
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }

  // True if the peer closes (EOF or reset) within timeout; unread data is
  // discarded.
  bool WaitClosed(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deadline - std::chrono::steady_clock::now())
                                      .count());
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) continue;
      char tmp[4096];
      ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
      if (n <= 0) return true;
    }
  }

  // Everything still arriving (after what Read() left in pending()) until
  // the peer closes; nullopt if it does not close within timeout.
  std::optional<std::string> ReadUntilClosed(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deadline - std::chrono::steady_clock::now())
                                      .count());
      if (left <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) continue;
      char tmp[4096];
      ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
      if (n <= 0) return std::exchange(buf_, std::string());
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }

  // Bytes received but not consumed by Read().
  const std::string& pending() const { return buf_; }

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, left) <= 0) return false;
    char tmp[4096];
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

}  // namespace nasd::http::testing
