#include "http/client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include "http/test_support.h"

namespace nasd::http {
namespace {

using namespace std::chrono_literals;

// A listening socket that never accepts: connects succeed (the kernel
// completes the handshake) but nothing is ever answered.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 8);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  uint16_t port() const { return port_; }
  int fd() const { return fd_; }

 private:
  int fd_;
  uint16_t port_;
};

TEST(FetchTest, ConnectionRefusedIsNetworkError) {
  uint16_t port;
  {
    SilentListener l;  // reserve a port, then free it
    port = l.port();
  }
  ClientRequest req;
  req.port = port;
  auto r = Fetch(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNetworkError);
  EXPECT_EQ(r.status().message(),
            "cannot connect to 127.0.0.1:" + std::to_string(port) + ": connection refused");
}

TEST(FetchTest, SilentServerIsTimeout) {
  SilentListener l;
  ClientRequest req;
  req.port = l.port();
  req.timeout = 200ms;
  auto start = std::chrono::steady_clock::now();
  auto r = Fetch(req);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kTimeout) << r.status().ToString();
  EXPECT_LT(elapsed, 2s);
}

// A server that answers with one endless chunk-size line (never a CRLF):
// neither the header limit nor max_response_bytes bounds it, so only a cap
// on the read buffer stops the client from buffering until the deadline.
TEST(FetchTest, EndlessChunkLineFailsFastInsteadOfBuffering) {
  SilentListener l;
  std::thread server([&] {
    int fd = ::accept(l.fd(), nullptr, nullptr);
    if (fd < 0) return;
    char buf[4096];
    (void)::recv(fd, buf, sizeof(buf), 0);
    std::string reply = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;";
    reply += std::string(4 << 20, 'e');
    std::string_view rest = reply;
    while (!rest.empty()) {
      ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
      if (n <= 0) break;
      rest.remove_prefix(static_cast<size_t>(n));
    }
    // Hold the connection open until the client gives up.
    while (::recv(fd, buf, sizeof(buf), 0) > 0) {
    }
    ::close(fd);
  });
  ClientRequest req;
  req.port = l.port();
  req.timeout = 5s;
  auto start = std::chrono::steady_clock::now();
  auto r = Fetch(req);
  auto elapsed = std::chrono::steady_clock::now() - start;
  server.join();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().code(), Code::kTimeout) << r.status().ToString();
  EXPECT_LT(elapsed, 3s);
}

TEST(FetchTest, UnresolvableHostIsNetworkError) {
  ClientRequest req;
  req.host = "no-such-host.invalid";
  req.port = 80;
  auto r = Fetch(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNetworkError);
}

TEST(FetchTest, SendsMethodHeadersAndBody) {
  testing::TestServer ts;
  ts.router().Add("PUT", "/echo/{name}", [](Request& req) {
    Response r = Response::Text(201, req.params["name"] + ":" + req.body);
    r.headers.Set("X-Got", std::string(req.headers.Get("x-token").value_or("none")));
    r.headers.Set("X-Host", std::string(req.headers.Get("host").value_or("none")));
    return r;
  });
  ts.router().Add("GET", "/big", [](Request&) { return Response::Text(200, std::string(5000, 'b')); });
  ASSERT_TRUE(ts.Start());
  Headers h;
  h.Set("X-Token", "t1");
  auto r = ts.Fetch("PUT", "/echo/doc", "payload", h);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "doc:payload");
  EXPECT_EQ(r->headers.Get("x-got"), "t1");
  EXPECT_EQ(r->headers.Get("X-Host"), "127.0.0.1:" + std::to_string(ts.port()));

  ClientRequest big;
  big.port = ts.port();
  big.target = "/big";
  big.max_response_bytes = 1000;
  auto too_big = Fetch(big);
  EXPECT_EQ(too_big.status().code(), Code::kTooLarge) << too_big.status().ToString();
}

}  // namespace
}  // namespace nasd::http
