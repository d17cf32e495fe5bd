#include "fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace nasd::chunk::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// The answer of an armed failure: 503 SlowDown, 500 InternalError, 403
// AccessDenied (S3 error documents) or a bare status (429).
std::string ErrorAnswer(int status) {
  std::string code, reason;
  switch (status) {
    case 503: code = "SlowDown", reason = "Slow Down"; break;
    case 500: code = "InternalError", reason = "Internal Server Error"; break;
    case 403: code = "AccessDenied", reason = "Forbidden"; break;
    default: reason = "Too Many Requests";
  }
  std::string doc;
  if (!code.empty()) {
    doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>injected by "
          "the fault proxy</Message></Error>";
  }
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: application/xml\r\nContent-Length: " +
         std::to_string(doc.size()) + "\r\n\r\n" + doc;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Content-Length of a request head (0 when absent).
size_t ContentLength(const std::string& head) {
  std::string lower = Lower(head);
  size_t at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return 0;
  return std::strtoull(head.c_str() + at + 17, nullptr, 10);
}

// The head with any Connection header replaced by "Connection: close".
std::string CloseHead(const std::string& head) {
  std::string out;
  size_t pos = 0;
  while (pos < head.size()) {
    size_t eol = head.find("\r\n", pos);
    std::string line = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (line.empty()) break;
    if (Lower(line).rfind("connection:", 0) == 0) continue;
    out += line + "\r\n";
  }
  return out + "Connection: close\r\n\r\n";
}

// An upstream answer (read until upstream closed) made fit for a client
// connection that stays open: its Connection header dropped. Empty when the
// answer's end is marked only by the close (no Content-Length, not chunked),
// so the client connection must close too.
std::string KeepAliveAnswer(const std::string& request_head, const std::string& resp) {
  size_t head_end = resp.find("\r\n\r\n");
  if (head_end == std::string::npos) return {};
  std::string lower = Lower(resp.substr(0, head_end + 2));
  const bool bodiless = request_head.rfind("HEAD ", 0) == 0 || lower.rfind("http/1.1 204", 0) == 0 ||
                        lower.rfind("http/1.1 304", 0) == 0;
  const bool framed = lower.find("\r\ncontent-length:") != std::string::npos ||
                      lower.find("\r\ntransfer-encoding: chunked") != std::string::npos;
  if (!bodiless && !framed) return {};
  std::string out;
  size_t pos = 0;
  while (pos < head_end + 2) {
    size_t eol = resp.find("\r\n", pos);
    std::string line = resp.substr(pos, eol - pos);
    pos = eol + 2;
    if (Lower(line).rfind("connection:", 0) != 0) out += line + "\r\n";
  }
  return out + resp.substr(head_end + 2);
}

}  // namespace

FaultProxy::FaultProxy(int upstream_port) : upstream_port_(upstream_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof(addr);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 64) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::abort();
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
  ::close(listen_fd_);
}

void FaultProxy::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    std::lock_guard lock(mu_);
    workers_.emplace_back([this, fd] {
      Serve(fd);
      ::close(fd);
    });
  }
}

void FaultProxy::Serve(int fd) {
  std::string buffer;
  char chunk[64 << 10];
  while (!stop_) {
    // Read one request: head, then Content-Length bytes of body.
    size_t head_end = std::string::npos;
    size_t need = 0;
    for (;;) {
      if (head_end == std::string::npos) {
        head_end = buffer.find("\r\n\r\n");
        if (head_end != std::string::npos) need = head_end + 4 + ContentLength(buffer.substr(0, head_end + 2));
      }
      if (head_end != std::string::npos && buffer.size() >= need) break;
      pollfd p{fd, POLLIN, 0};
      int ready = ::poll(&p, 1, 50);
      if (stop_) return;
      if (ready <= 0) continue;
      ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) return;  // the client went away
      buffer.append(chunk, static_cast<size_t>(n));
    }
    std::string head = buffer.substr(0, head_end + 2);
    std::string body = buffer.substr(head_end + 4, need - head_end - 4);
    buffer.erase(0, need);
    ++requests_;
    if (drop_) return;
    if (fail_next_.fetch_sub(1) > 0) {
      ++failed_;
      if (!SendAll(fd, ErrorAnswer(fail_status_.load()))) return;
      continue;
    }
    if (delay_next_.fetch_sub(1) > 0) {
      auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms_.load());
      while (!stop_ && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    if (!Forward(fd, head, body)) return;
  }
}

bool FaultProxy::Forward(int client, const std::string& head, const std::string& body) {
  int up = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = Loopback(upstream_port_);
  if (up < 0 || ::connect(up, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (up >= 0) ::close(up);
    return false;
  }
  timeval tv{30, 0};
  ::setsockopt(up, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  bool ok = SendAll(up, CloseHead(head)) && SendAll(up, body);
  std::string resp;
  char chunk[64 << 10];
  for (ssize_t n; ok && (n = ::recv(up, chunk, sizeof(chunk), 0)) > 0;) resp.append(chunk, static_cast<size_t>(n));
  ::close(up);
  if (!ok || resp.empty()) return false;
  ++forwarded_;
  // Upstream closes after each answer; the client connection stays open
  // (keep-alive) when the answer's length is known without the close.
  std::string kept = KeepAliveAnswer(head, resp);
  if (kept.empty()) {
    SendAll(client, resp);
    return false;
  }
  return SendAll(client, kept);
}

}  // namespace nasd::chunk::testing
