// Private to the HTTP layer: the server's implementation class and the
// helpers its two source files share (server.cc: accept, connections,
// request parsing, handlers; server_stream.cc: streamed request bodies and
// response bodies). Includes Asio and Beast: never include it outside
// src/http/server*.cc.
#pragma once

// (`idle`, the stream) is only touched on the connection's strand.

#include <pthread.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <fmt/format.h>

#include "common/logging.h"
#include "common/thread_annotations.h"
#include "http/body_pipe.h"
#include "http/request_parts.h"
#include "http/server_observer.h"
#include "http/server.h"

namespace nasd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace server_internal {

constexpr size_t kReadChunk = 4096;
// Lingering close after an error reply: read (and drop) what the client is
// still sending for a short while so that closing does not reset the
// connection before the client has read the reply.
constexpr std::chrono::milliseconds kLingerTime{500};
constexpr size_t kLingerBytes = 1 << 20;
constexpr std::chrono::milliseconds kRejectWriteTimeout{1000};
// Beast's parser consumes body bytes as they arrive, but chunk-size lines
// (with extensions) and trailer fields are bounded by neither header_limit
// nor body_limit: it waits for their end in the read buffer. Capping the
// buffer turns an endless chunk line into buffer_overflow (400) instead of
// unbounded memory. Beast reads at most 64 KiB at a time.
constexpr size_t kBufferSlack = 64 * 1024;
// A connection's read buffer starts at kReadChunk (enough for a request
// header) and is grown to this while a streamed body is read. Beast reads
// into the room the buffer already has, not more: left at 4 KiB, a 1 GiB
// upload took 260 000 receives, each with its epoll wait and timer update.
constexpr size_t kBodyReadBytes = 64 * 1024;
inline void GrowForBody(beast::flat_buffer& buffer) {
  buffer.reserve(std::min(kBodyReadBytes, buffer.max_size()));
}
// A stream_body handler that returns before reading the whole body: up to
// this much of the rest is read and dropped (within kLingerTime) to keep the
// connection; a longer rest closes it after the response.
constexpr uint64_t kDrainBytes = 256 * 1024;
// Response sources: bytes parts are written in slices of this size and fd
// parts sent in sendfile calls of at most this size; each slice re-arms
// send_timeout, so a slow but moving reader is never cut off.
constexpr uint64_t kSendSlice = 256 * 1024;
// A sendfile loop yields its I/O thread after this many bytes, so a fast
// reader of a large file does not starve the strand's other connections.
constexpr uint64_t kYieldBytes = 4 << 20;

constexpr std::string_view k100Continue = "HTTP/1.1 100 Continue\r\n\r\n";

inline auto Redirect(beast::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// What happens to the connection after an exchange.
enum class After { kKeepAlive, kClose, kLingerAndClose, kAbort };

// A client-side protocol violation (answered with 400/413/431), as opposed
// to the client going away or timing out (the connection is just closed).
inline bool IsProtocolError(const beast::error_code& ec) {
  if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category()) return false;
  return ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

// The head of resp, ready to send (request_parts.h ResponseHead), after
// fixing what a handler may not send: a status outside 200..599 becomes a
// 500; a 204 or 304 loses its body and source and has no Content-Length; a
// HEAD keeps the length of the body it does not send.
inline std::string PrepareHead(Response& resp, const std::string& request_id, bool head, bool keep_alive) {
  // Handlers produce final responses; 1xx are interim and would confuse clients.
  if (resp.status < 200 || resp.status > 599) {
    resp = Response::Error(Internal(fmt::format("handler returned status {}", resp.status)));
  }
  std::optional<uint64_t> length;
  if (resp.status == 204 || resp.status == 304) {
    resp.source.reset();
    resp.body.clear();
  } else {
    length = resp.source ? resp.source->size() : resp.body.size();
    if (head) resp.body.clear();
  }
  std::vector<std::string> dropped;
  std::string out = ResponseHead(resp.status, resp.headers, request_id, keep_alive, length, &dropped);
  for (const std::string& name : dropped) {
    log::Warn("http.header_dropped").Str("name", name).Str("request_id", request_id);
  }
  return out;
}

struct Connection : std::enable_shared_from_this<Connection> {
  Connection(uint64_t id, tcp::socket socket, std::string remote)
      : id(id), stream(std::move(socket)), remote(std::move(remote)) {}
  const uint64_t id;
  beast::tcp_stream stream;  // strand only
  const std::string remote;
  bool idle = false;         // strand only: waiting for the first byte of a request
};

// Counts a request as in flight for the lifetime of the guard.
class InFlightGuard {
 public:
  explicit InFlightGuard(std::atomic<int>& n) : n_(n) { n_.fetch_add(1); }
  ~InFlightGuard() { n_.fetch_sub(1); }
  InFlightGuard(const InFlightGuard&) = delete;
  InFlightGuard& operator=(const InFlightGuard&) = delete;

 private:
  std::atomic<int>& n_;
};

// Wakes a coroutine waiting on a strand from any thread. Wait() may return
// spuriously: callers re-check their condition, which they must do on the
// strand before each Wait() (a Notify() posted after the check cancels the
// wait it then finds).
class StrandSignal {
 public:
  explicit StrandSignal(const asio::any_io_executor& strand)
      : timer_(strand, Clock::time_point::max()) {}
  static void Notify(const std::shared_ptr<StrandSignal>& self) {
    asio::post(self->timer_.get_executor(), [self] { self->timer_.cancel(); });
  }
  asio::awaitable<void> Wait() {
    timer_.expires_at(Clock::time_point::max());
    beast::error_code ec;
    co_await timer_.async_wait(Redirect(ec));
  }

 private:
  asio::steady_timer timer_;  // strand only
};

// A streamed request being handled: shared by the connection's coroutine and
// the handler's worker task, so neither outlives what the other uses.
struct StreamCall {
  Request req;
  RouteMatch match;
  std::unique_ptr<BodyPipe> pipe;
  Response response;  // written by the worker before pipe->CloseReader()
};

// The result of pulling one part on a worker (default-constructible, as
// co_spawn results must be).
struct PulledPart {
  Status status;
  BodyPart part;
};

inline asio::awaitable<PulledPart> PullPart(BodySource* source) {
  PulledPart out;
  try {
    Result<BodyPart> part = source->Next();
    if (part.ok()) {
      out.part = std::move(*part);
    } else {
      out.status = part.status();
    }
  } catch (const std::exception& e) {
    out.status = Internal(fmt::format("body source threw: {}", e.what()));
  } catch (...) {
    out.status = Internal("body source threw an unknown exception");
  }
  co_return out;
}

// source.TryNext() on this thread: the part (or its error) if it was to be
// had without waiting, nullopt to pull it on a worker instead.
inline std::optional<PulledPart> TryPullPart(BodySource& source) {
  PulledPart out;
  try {
    std::optional<Result<BodyPart>> part = source.TryNext();
    if (!part) return std::nullopt;
    if (part->ok()) {
      out.part = std::move(**part);
    } else {
      out.status = part->status();
    }
  } catch (const std::exception& e) {
    out.status = Internal(fmt::format("body source threw: {}", e.what()));
  } catch (...) {
    out.status = Internal("body source threw an unknown exception");
  }
  return out;
}

// Sends what of bytes the socket takes now, flagged MSG_MORE: held for the
// next send instead of pushed. Returns the count sent; 0 on any error (the
// caller's ordinary write of the rest then meets and reports it).
inline size_t QueueMore(tcp::socket& socket, std::string_view bytes) {
  for (;;) {
    const ssize_t n = ::send(socket.native_handle(), bytes.data(), bytes.size(),
                             MSG_MORE | MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return 0;
  }
}

inline asio::awaitable<void> LingeringClose(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(kLingerTime);
  std::array<char, kReadChunk> sink;
  size_t total = 0;
  while (!ec && total < kLingerBytes) {
    total += co_await stream.async_read_some(asio::buffer(sink), Redirect(ec));
  }
  stream.close();
}

}  // namespace server_internal

using namespace server_internal;


class Server::Impl {
 public:
  Impl(ServerOptions options, const Router& router, metrics::Registry& registry)
      : options_(std::move(options)),
        router_(router),
        observer_(registry),
        iocs_(MakeContexts(options_.io_threads)),
        acceptor_(asio::make_strand(*iocs_.front())) {}
  ~Impl() { Stop(); }

  Status Start();
  void Stop();
  uint16_t port() const { return port_; }
  int InFlight() const { return in_flight_.load(); }

 private:
  enum class State { kNew, kRunning, kStopped };

  asio::awaitable<void> Accept();
  asio::awaitable<void> Reject(tcp::socket socket);
  asio::awaitable<void> Serve(std::shared_ptr<Connection> conn);
  // Closes conn and removes it from conns_. On conn's strand.
  void Forget(Connection& conn) EXCLUDES(mu_);
  asio::awaitable<After> ServeOne(Connection& conn, beast::flat_buffer& buffer);
  // A stream_body route after routing and auth. On conn's strand; returns
  // only after the handler has returned.
  asio::awaitable<After> ServeStreaming(Connection& conn, beast::flat_buffer& buffer,
                                        bhttp::request_parser<bhttp::string_body>& header_parser,
                                        Exchange& ex, Request req, RouteMatch match, bool head,
                                        bool keep_alive, Clock::time_point started);
  asio::awaitable<After> Reply(Connection& conn, Exchange& ex, Response resp, bool head,
                               After after, Clock::time_point started);
  // Sends source's parts after the header; counts them in ex.bytes_out. A
  // non-ok result means the body is incomplete and the connection unusable.
  // Sends source's parts, starting with first when given (already pulled).
  asio::awaitable<Status> SendSource(Connection& conn, Exchange& ex, BodySource& source,
                                     std::optional<PulledPart> first);
  asio::awaitable<Status> SendBytes(Connection& conn, Exchange& ex, const std::string& bytes);
  asio::awaitable<Status> SendFileRegion(Connection& conn, Exchange& ex, int fd, uint64_t offset,
                                         uint64_t length);
  // Run on a worker thread and never throw: the authenticator (false if it
  // is unset or throws), and the handler (500 if it throws).
  static asio::awaitable<bool> RunAuthenticate(const Impl* impl, Request* req);
  bool Authenticate(Request& req) const;
  static asio::awaitable<Response> RunOnWorker(const Impl* impl, const RouteMatch* match,
                                               Request* req);
  Response Invoke(const RouteMatch& match, Request& req) const;
  // options_.authenticate_quick, never throwing (nullopt: ask authenticate).
  std::optional<bool> QuickAuthenticate(Request& req) const;

  std::vector<std::shared_ptr<Connection>> Connections() EXCLUDES(mu_);
  // One io_context per io thread (shared-nothing, as nginx's workers): a
  // connection lives on one of them, chosen round-robin at accept. One
  // context run by several threads woke another thread for every handler.
  static std::vector<std::unique_ptr<asio::io_context>> MakeContexts(int n);
  void RunIo(asio::io_context& ioc);

  // Fixed after construction.
  const ServerOptions options_;
  const Router& router_;
  ServerObserver observer_;

  const std::vector<std::unique_ptr<asio::io_context>> iocs_;
  tcp::acceptor acceptor_;  // on its own strand of iocs_[0]
  size_t next_ioc_ = 0;     // the acceptor's round-robin
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::unique_ptr<asio::thread_pool> workers_;
  std::vector<std::thread> io_threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> in_flight_{0};

  std::mutex lifecycle_mu_;  // serializes Start and Stop
  State state_ GUARDED_BY(lifecycle_mu_) = State::kNew;

  std::mutex mu_;
  std::condition_variable conns_changed_;
  std::map<uint64_t, std::shared_ptr<Connection>> conns_ GUARDED_BY(mu_);
  uint64_t next_conn_id_ GUARDED_BY(mu_) = 0;
};

}  // namespace nasd::http
