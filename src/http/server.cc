// The one file that serves HTTP with Boost.Beast. Layout:
//   Accept()   one coroutine on the acceptor's strand; admits or rejects (503)
//   Serve()    one coroutine per connection on its own strand: idle wait,
//              then ServeOne() per request until the connection closes
//   ServeOne() header under header_timeout, routing, body under body_timeout,
//              handler on the worker pool, Reply()
//   ServeStreaming()  stream_body routes: the handler starts at once and the
//              coroutine pumps the body into a BodyPipe while it runs
//   Reply()    buffered body, or SendSource() for a BodySource (bytes parts
//              with async writes, fd parts with sendfile(2))
//   Stop()     closes the acceptor, cancels idle reads, waits for the rest
//
// Lifetime: Impl outlives every coroutine because Stop() (run by ~Impl) waits
// until all connections are gone and joins the I/O threads. Connection state
// (`idle`, the stream) is only touched on the connection's strand.
#include "http/server.h"

#include <pthread.h>
#include <sys/sendfile.h>

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
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

#include "common/logging.h"
#include "common/thread_annotations.h"
#include "http/body_pipe.h"
#include "http/request_parts.h"
#include "http/server_observer.h"

namespace nasd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

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

auto Redirect(beast::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// What happens to the connection after an exchange.
enum class After { kKeepAlive, kClose, kLingerAndClose, kAbort };

// A client-side protocol violation (answered with 400/413/431), as opposed
// to the client going away or timing out (the connection is just closed).
bool IsProtocolError(const beast::error_code& ec) {
  if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category()) return false;
  return ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

// Moves resp's body into the Beast message; resp.source stays with resp
// (reset if resp had to be replaced), its size as Content-Length.
bhttp::response<bhttp::string_body> ToBeast(Response& resp, const std::string& request_id,
                                             bool head, bool keep_alive) {
  // Handlers produce final responses; 1xx are interim and would confuse clients.
  if (resp.status < 200 || resp.status > 599) {
    resp = Response::Error(Internal(fmt::format("handler returned status {}", resp.status)));
  }
  bhttp::response<bhttp::string_body> res;
  res.version(11);
  res.result(static_cast<unsigned>(resp.status));
  for (const auto& [name, value] : resp.headers.all()) {
    switch (CheckResponseHeader(name, value)) {
      case HeaderVerdict::kKeep: res.insert(name, value); break;
      case HeaderVerdict::kServerOwned: break;
      case HeaderVerdict::kUnsafe:
        log::Warn("http.header_dropped").Str("name", name).Str("request_id", request_id);
        break;
    }
  }
  res.set(bhttp::field::server, "nasd");
  res.set(bhttp::field::date, HttpDate(std::chrono::system_clock::now()));
  res.set("x-request-id", request_id);
  res.keep_alive(keep_alive);
  const bool no_body = resp.status == 204 || resp.status == 304;
  if (no_body) {
    resp.source.reset();
  } else if (resp.source) {
    res.content_length(resp.source->size());
  } else {
    res.content_length(resp.body.size());
    if (!head) res.body() = std::move(resp.body);
  }
  return res;
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

asio::awaitable<PulledPart> PullPart(BodySource* source) {
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

asio::awaitable<void> LingeringClose(beast::tcp_stream& stream) {
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

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, const Router& router, metrics::Registry& registry)
      : options_(std::move(options)),
        router_(router),
        observer_(registry),
        ioc_(std::max(1, options_.io_threads)),
        acceptor_(asio::make_strand(ioc_)) {}
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
  asio::awaitable<Status> SendSource(Connection& conn, Exchange& ex, BodySource& source);
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

  std::vector<std::shared_ptr<Connection>> Connections() EXCLUDES(mu_);
  void RunIo();

  // Fixed after construction.
  const ServerOptions options_;
  const Router& router_;
  ServerObserver observer_;

  asio::io_context ioc_;
  tcp::acceptor acceptor_;  // on its own strand
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
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

Status Server::Impl::Start() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (state_ != State::kNew) return FailedPrecondition("server was already started");
  if (options_.io_threads < 1 || options_.worker_threads < 1 || options_.max_connections < 1) {
    return InvalidArgument("io_threads, worker_threads and max_connections must be >= 1");
  }
  const std::string where = fmt::format("{}:{}", options_.host, options_.port);
  beast::error_code ec;
  tcp::resolver resolver(ioc_);
  auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port),
                                    tcp::resolver::numeric_service | tcp::resolver::passive, ec);
  if (ec || endpoints.empty()) {
    return InvalidArgument(fmt::format("cannot resolve host '{}': {}", options_.host, ec.message()));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor_.close(ignored);
    if (ec == asio::error::address_in_use) {
      return AlreadyExists(fmt::format("address {} is already in use", where));
    }
    if (ec.value() == EADDRNOTAVAIL) {
      return InvalidArgument(fmt::format("cannot listen on {}: not a local address", where));
    }
    return Status(CodeFromErrno(ec.value()), fmt::format("cannot listen on {}: {}", where,
                                                         ec.message()));
  }
  port_ = acceptor_.local_endpoint().port();
  workers_ = std::make_unique<asio::thread_pool>(options_.worker_threads);
  work_.emplace(ioc_.get_executor());
  asio::co_spawn(acceptor_.get_executor(), Accept(),
                 [](std::exception_ptr e) { LogException("accept", e); });
  for (int i = 0; i < options_.io_threads; ++i) io_threads_.emplace_back([this] { RunIo(); });
  state_ = State::kRunning;
  log::Info("http.listening").Str("host", options_.host).Uint("port", port_);
  return Status::Ok();
}

void Server::Impl::RunIo() {
  // sendfile(2) has no MSG_NOSIGNAL: a client that went away would raise
  // SIGPIPE. Blocked here, a synchronous SIGPIPE stays pending on this
  // thread (harmless) and sendfile fails with EPIPE instead.
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);
  for (;;) {
    try {
      ioc_.run();
      return;
    } catch (...) {
      LogException("io thread", std::current_exception());
    }
  }
}

std::vector<std::shared_ptr<Connection>> Server::Impl::Connections() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<Connection>> out;
  for (const auto& [id, conn] : conns_) out.push_back(conn);
  return out;
}

void Server::Impl::Stop() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (state_ != State::kRunning) {
    state_ = State::kStopped;
    return;
  }
  const auto deadline = Clock::now() + options_.drain_timeout;
  // Every check of stopping_ on a strand happens either before the posted
  // work below (and is then followed by it) or after (and sees true).
  stopping_.store(true);
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
  for (auto& conn : Connections()) {
    asio::post(conn->stream.get_executor(), [conn] {
      if (conn->idle) conn->stream.cancel();
    });
  }
  std::unique_lock<std::mutex> lock(mu_);
  if (!conns_changed_.wait_until(lock, deadline, [this] { return conns_.empty(); })) {
    log::Warn("http.drain_timeout").Uint("connections", conns_.size());
    for (const auto& [id, conn] : conns_) {
      asio::post(conn->stream.get_executor(), [conn = conn] { conn->stream.close(); });
    }
    conns_changed_.wait(lock, [this] { return conns_.empty(); });
  }
  lock.unlock();
  work_.reset();
  for (auto& t : io_threads_) t.join();
  io_threads_.clear();
  workers_->join();
  state_ = State::kStopped;
  log::Info("http.stopped").Uint("port", port_);
}

asio::awaitable<void> Server::Impl::Accept() {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(asio::make_strand(ioc_), Redirect(ec));
    if (stopping_.load() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Typically EMFILE: back off instead of spinning on the error.
      log::Warn("http.accept_failed").Str("error", ec.message());
      asio::steady_timer timer(acceptor_.get_executor(), std::chrono::milliseconds(50));
      co_await timer.async_wait(Redirect(ec));
      continue;
    }
    // Responses go out as a header write then body writes (or sendfile):
    // without TCP_NODELAY, Nagle holds the second small segment until the
    // peer's delayed ACK, about 40 ms per response.
    socket.set_option(tcp::no_delay(true), ec);
    auto remote_ep = socket.remote_endpoint(ec);
    std::string remote =
        ec ? "unknown" : fmt::format("{}:{}", remote_ep.address().to_string(), remote_ep.port());
    std::shared_ptr<Connection> conn;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (conns_.size() < static_cast<size_t>(options_.max_connections)) {
        conn = std::make_shared<Connection>(next_conn_id_++, std::move(socket), std::move(remote));
        conns_.emplace(conn->id, conn);
      }
    }
    if (!conn) {
      observer_.ConnectionRejected();
      auto ex = socket.get_executor();
      asio::co_spawn(ex, Reject(std::move(socket)),
                     [](std::exception_ptr e) { LogException("reject", e); });
      continue;
    }
    observer_.ConnectionOpened();
    asio::co_spawn(conn->stream.get_executor(), Serve(conn),
                   [](std::exception_ptr e) { LogException("session", e); });
  }
}

asio::awaitable<void> Server::Impl::Reject(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  Response busy = Response::Error(Unavailable("too many connections"));
  auto res = ToBeast(busy, NewRequestId(), /*head=*/false, /*keep_alive=*/false);
  stream.expires_after(kRejectWriteTimeout);
  beast::error_code ec;
  co_await bhttp::async_write(stream, res, Redirect(ec));
  co_await LingeringClose(stream);
}

void Server::Impl::Forget(Connection& conn) {
  conn.stream.close();
  observer_.ConnectionClosed();
  {
    std::lock_guard<std::mutex> lock(mu_);
    conns_.erase(conn.id);
  }
  conns_changed_.notify_all();
}

asio::awaitable<void> Server::Impl::Serve(std::shared_ptr<Connection> conn) {
  // However the session ends, an exception included, the connection is
  // closed and forgotten: Stop() waits for conns_ to empty.
  struct ForgetOnExit {
    Impl* impl;
    Connection* conn;
    ~ForgetOnExit() { impl->Forget(*conn); }
  } forget{this, conn.get()};
  // Larger than max_header_bytes so an oversized header still gets 431.
  beast::flat_buffer buffer(size_t{options_.max_header_bytes} + kBufferSlack);
  After after = After::kClose;
  bool first = true;
  while (!stopping_.load()) {
    if (buffer.size() == 0) {
      // The first request's header must be complete within header_timeout of
      // the accept; later requests may idle first.
      conn->stream.expires_after(first ? options_.header_timeout : options_.idle_timeout);
      conn->idle = true;
      beast::error_code ec;
      size_t n = co_await conn->stream.async_read_some(buffer.prepare(kReadChunk), Redirect(ec));
      conn->idle = false;
      if (ec) {
        after = After::kAbort;
        break;
      }
      buffer.commit(n);
      if (!first) conn->stream.expires_after(options_.header_timeout);
    } else {
      conn->stream.expires_after(options_.header_timeout);  // pipelined request
    }
    first = false;
    after = co_await ServeOne(*conn, buffer);
    if (after != After::kKeepAlive) break;
  }
  beast::error_code ec;
  switch (after) {
    case After::kLingerAndClose: co_await LingeringClose(conn->stream); break;
    case After::kKeepAlive:  // stopping
    case After::kClose: conn->stream.socket().shutdown(tcp::socket::shutdown_send, ec); break;
    case After::kAbort: break;
  }
}

asio::awaitable<After> Server::Impl::ServeOne(Connection& conn, beast::flat_buffer& buffer) {
  const Clock::time_point started = Clock::now();
  Exchange ex;
  ex.remote = conn.remote;
  ex.request_id = NewRequestId();

  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(options_.max_header_bytes);
  parser.body_limit(boost::none);  // checked against the route's limit once routed
  beast::error_code ec;
  ex.bytes_in += co_await bhttp::async_read_header(conn.stream, buffer, parser, Redirect(ec));
  if (ec) {
    if (!IsProtocolError(ec)) co_return After::kAbort;  // timeout, reset or gone
    Response r = ec == bhttp::error::header_limit
                     ? Response::Error(431, CodeName(Code::kTooLarge),
                                       fmt::format("request header exceeds {} bytes",
                                                   options_.max_header_bytes))
                     : Response::Error(InvalidArgument("malformed request: " + ec.message()));
    co_return co_await Reply(conn, ex, std::move(r), false, After::kLingerAndClose, started);
  }

  auto& hreq = parser.get();
  Request req;
  req.method = std::string(hreq.method_string());
  req.target = std::string(hreq.target());
  req.remote = conn.remote;
  req.request_id = ex.request_id;
  for (const auto& field : hreq) req.headers.Add(field.name_string(), std::string(field.value()));
  if (auto tp = req.headers.Get("traceparent")) {
    ex.trace_id = TraceIdFromTraceparent(*tp).value_or("");
  }
  ex.method = req.method;
  ex.path = req.target.substr(0, req.target.find('?'));
  const bool head = req.method == "HEAD";
  const bool keep_alive = hreq.keep_alive();
  // An error answered before reading the body keeps the connection only if
  // there is no body left on it.
  const After early = parser.is_done() && keep_alive ? After::kKeepAlive : After::kLingerAndClose;

  // Beast reads a body whose Transfer-Encoding does not end in chunked as
  // empty and parses the body as the next request (a smuggling vector behind
  // a proxy), and hands "gzip, chunked" bodies over still encoded.
  std::vector<std::string_view> transfer_encodings;
  for (const auto& field : hreq) {
    if (field.name() == bhttp::field::transfer_encoding) transfer_encodings.push_back(field.value());
  }
  if (Status te = CheckTransferEncoding(transfer_encodings); !te.ok()) {
    co_return co_await Reply(conn, ex, Response::Error(te), head, After::kLingerAndClose, started);
  }

  auto target = ParseTarget(req.target);
  if (!target.ok()) {
    co_return co_await Reply(conn, ex, Response::Error(target.status()), head, early, started);
  }
  req.path = std::move(target->path);
  req.query = std::move(target->query);
  RouteMatch match = router_.Match(req.method, req.path);
  if (match.error_status == 405) {
    Response r = Response::Error(405, CodeName(Code::kNotSupported),
                                 fmt::format("method {} is not allowed here", req.method));
    r.headers.Set("allow", match.allow);
    co_return co_await Reply(conn, ex, std::move(r), head, early, started);
  }
  if (match.error_status != 0) {
    Response r = Response::Error(NotFound(fmt::format("no route for {}", ex.path)));
    co_return co_await Reply(conn, ex, std::move(r), head, early, started);
  }
  ex.route = match.metric_name;

  const uint64_t limit = match.options->max_body_bytes;
  if (parser.content_length() && *parser.content_length() > limit) {
    Response r = Response::Error(TooLarge(fmt::format(
        "request body of {} bytes exceeds the limit of {} bytes", *parser.content_length(), limit)));
    co_return co_await Reply(conn, ex, std::move(r), head, After::kLingerAndClose, started);
  }
  req.params = match.params;
  if (match.options->requires_auth) {
    // Before the body: an unauthenticated client must not get a 100 Continue
    // or make the server read and buffer up to the route's body limit.
    const bool allowed = co_await asio::co_spawn(
        workers_->get_executor(), RunAuthenticate(this, &req), asio::use_awaitable);
    if (!allowed) {
      Response r = Response::Error(Unauthenticated("missing or invalid credentials"));
      r.headers.Set("www-authenticate", match.options->auth_challenge);
      co_return co_await Reply(conn, ex, std::move(r), head, early, started);
    }
  }
  if (match.options->stream_body) {
    co_return co_await ServeStreaming(conn, buffer, parser, ex, std::move(req), std::move(match),
                                      head, keep_alive, started);
  }
  if (!parser.is_done()) {
    parser.body_limit(limit);
    if (beast::iequals(hreq[bhttp::field::expect], "100-continue")) {
      conn.stream.expires_after(options_.body_timeout);
      ex.bytes_out +=
          co_await asio::async_write(conn.stream, asio::buffer(k100Continue), Redirect(ec));
      if (ec) co_return After::kAbort;
    }
    conn.stream.expires_after(options_.body_timeout);
    ex.bytes_in += co_await bhttp::async_read(conn.stream, buffer, parser, Redirect(ec));
    if (ec == bhttp::error::body_limit) {
      Response r = Response::Error(
          TooLarge(fmt::format("request body exceeds the limit of {} bytes", limit)));
      co_return co_await Reply(conn, ex, std::move(r), head, After::kLingerAndClose, started);
    }
    if (IsProtocolError(ec)) {
      Response r = Response::Error(InvalidArgument("malformed request body: " + ec.message()));
      co_return co_await Reply(conn, ex, std::move(r), head, After::kLingerAndClose, started);
    }
    if (ec) co_return After::kAbort;
  }
  req.body = std::move(hreq.body());

  InFlightGuard in_flight(in_flight_);
  Response resp = co_await asio::co_spawn(workers_->get_executor(),
                                          RunOnWorker(this, &match, &req), asio::use_awaitable);
  co_return co_await Reply(conn, ex, std::move(resp), head,
                           keep_alive ? After::kKeepAlive : After::kClose, started);
}

namespace {

// How the body of a streamed request ended, as far as the server knows.
enum class BodyState { kReading, kDone, kTooLarge, kMalformed, kBroken };

// Reads and drops what is left of a body the handler did not read, if that
// is at most kDrainBytes and arrives within kLingerTime. True if the request
// then ended, so the connection can carry another one.
asio::awaitable<bool> DrainRest(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                bhttp::request_parser<bhttp::buffer_body>& parser,
                                Exchange& ex) {
  if (auto left = parser.content_length_remaining(); left && *left > kDrainBytes) co_return false;
  std::vector<char> sink(64 * 1024);
  stream.expires_after(kLingerTime);
  uint64_t drained = 0;
  while (!parser.is_done() && drained <= kDrainBytes) {
    auto& body = parser.get().body();
    body.data = sink.data();
    body.size = sink.size();
    beast::error_code ec;
    ex.bytes_in += co_await bhttp::async_read_some(stream, buffer, parser, Redirect(ec));
    if (ec == bhttp::error::need_buffer) ec = {};
    drained += sink.size() - body.size;
    if (ec) co_return false;
  }
  co_return parser.is_done();
}

// However the streaming coroutine ends, a handler blocked in Read() wakes.
struct FailPipeOnExit {
  BodyPipe& pipe;
  ~FailPipeOnExit() { pipe.Fail(Unavailable("the connection was closed")); }
};

}  // namespace

asio::awaitable<After> Server::Impl::ServeStreaming(
    Connection& conn, beast::flat_buffer& buffer,
    bhttp::request_parser<bhttp::string_body>& header_parser, Exchange& ex, Request req,
    RouteMatch match, bool head, bool keep_alive, Clock::time_point started) {
  const uint64_t limit = match.options->max_body_bytes;
  const bool expect_continue =
      beast::iequals(header_parser.get()[bhttp::field::expect], "100-continue");
  std::optional<uint64_t> content_length;
  if (header_parser.content_length()) content_length = *header_parser.content_length();
  bhttp::request_parser<bhttp::buffer_body> parser(std::move(header_parser));
  parser.body_limit(limit);

  auto signal = std::make_shared<StrandSignal>(co_await asio::this_coro::executor);
  auto call = std::make_shared<StreamCall>();
  call->req = std::move(req);
  call->match = std::move(match);
  call->pipe = std::make_unique<BodyPipe>(
      content_length, [weak = std::weak_ptr<StrandSignal>(signal)] {
        if (auto s = weak.lock()) StrandSignal::Notify(s);
      });
  call->req.body_reader = call->pipe.get();
  BodyPipe& pipe = *call->pipe;
  FailPipeOnExit fail_on_exit{pipe};

  InFlightGuard in_flight(in_flight_);
  asio::post(workers_->get_executor(), [this, call] {
    call->response = Invoke(call->match, call->req);
    call->pipe->CloseReader();  // publishes call->response to the coroutine
  });

  BodyState body = parser.is_done() ? BodyState::kDone : BodyState::kReading;
  if (body == BodyState::kDone) pipe.Finish();
  bool continue_sent = false;
  std::optional<std::string> chunk;  // being filled: chunk->size() bytes valid
  size_t filled = 0;
  bool armed = false;
  uint64_t since_armed = 0;
  for (;;) {
    const BodyPipe::ProducerView view = pipe.View();
    if (view.reader_closed) break;
    if (body != BodyState::kReading || (expect_continue && !view.read_requested)) {
      co_await signal->Wait();
      continue;
    }
    if (expect_continue && !continue_sent) {
      continue_sent = true;
      conn.stream.expires_after(options_.body_timeout);
      beast::error_code ec;
      ex.bytes_out +=
          co_await asio::async_write(conn.stream, asio::buffer(k100Continue), Redirect(ec));
      if (ec) {
        body = BodyState::kBroken;
        pipe.Fail(Unavailable("client disconnected: " + ec.message()));
        continue;
      }
    }
    if (!chunk) {
      chunk = pipe.AcquireBuffer();
      if (!chunk) {
        // Back-pressure: the socket is not read until the handler catches
        // up, and that wait does not count against body_timeout.
        armed = false;
        co_await signal->Wait();
        continue;
      }
      chunk->resize(BodyPipe::kBufferBytes);
      filled = 0;
    }
    // body_timeout bounds the arrival of each kBufferBytes, not the whole
    // body, so a multi-GiB upload is not cut off while a trickle is.
    if (!armed || since_armed >= BodyPipe::kBufferBytes) {
      conn.stream.expires_after(options_.body_timeout);
      armed = true;
      since_armed = 0;
    }
    auto& target = parser.get().body();
    target.data = chunk->data() + filled;
    target.size = chunk->size() - filled;
    beast::error_code ec;
    ex.bytes_in += co_await bhttp::async_read_some(conn.stream, buffer, parser, Redirect(ec));
    if (ec == bhttp::error::need_buffer) ec = {};
    const size_t got = chunk->size() - filled - target.size;
    filled += got;
    since_armed += got;
    if (filled > 0 && (filled == chunk->size() || parser.is_done() || ec || pipe.Starving())) {
      chunk->resize(filled);
      pipe.Push(std::move(*chunk));
      chunk.reset();
    }
    if (parser.is_done()) {
      body = BodyState::kDone;
      pipe.Finish();
    } else if (ec == bhttp::error::body_limit) {
      body = BodyState::kTooLarge;
      pipe.Fail(TooLarge(fmt::format("request body exceeds the limit of {} bytes", limit)));
    } else if (ec && IsProtocolError(ec)) {
      body = BodyState::kMalformed;
      pipe.Fail(Unavailable("malformed request body: " + ec.message()));
    } else if (ec) {
      body = BodyState::kBroken;
      pipe.Fail(Unavailable(ec == beast::error::timeout
                                ? "the request body did not arrive within body_timeout"
                                : "client disconnected: " + ec.message()));
    }
  }
  chunk.reset();

  After after = keep_alive ? After::kKeepAlive : After::kClose;
  if (body == BodyState::kReading) {
    // The handler returned before the end of the body. A client waiting for
    // 100 Continue has not sent it; otherwise a short rest is dropped. The
    // rest is never parsed as a request: the connection closes instead.
    bool drained = false;
    if (!expect_continue || continue_sent) {
      drained = co_await DrainRest(conn.stream, buffer, parser, ex);
    }
    if (drained) {
      body = BodyState::kDone;
    } else {
      after = After::kLingerAndClose;
    }
  }
  Response resp = std::move(call->response);
  switch (body) {
    case BodyState::kTooLarge:
      resp = Response::Error(
          TooLarge(fmt::format("request body exceeds the limit of {} bytes", limit)));
      after = After::kLingerAndClose;
      break;
    case BodyState::kMalformed:
      resp = Response::Error(InvalidArgument("malformed request body"));
      after = After::kLingerAndClose;
      break;
    case BodyState::kBroken: co_return After::kAbort;
    case BodyState::kReading:
    case BodyState::kDone: break;
  }
  co_return co_await Reply(conn, ex, std::move(resp), head, after, started);
}

asio::awaitable<After> Server::Impl::Reply(Connection& conn, Exchange& ex, Response resp,
                                           bool head, After after, Clock::time_point started) {
  if (after == After::kKeepAlive && stopping_.load()) after = After::kClose;
  auto res = ToBeast(resp, ex.request_id, head, after == After::kKeepAlive);
  ex.status = static_cast<int>(res.result_int());
  beast::error_code ec;
  if (!resp.source) {
    conn.stream.expires_after(options_.body_timeout);
    ex.bytes_out += co_await bhttp::async_write(conn.stream, res, Redirect(ec));
  } else {
    bhttp::response_serializer<bhttp::string_body> serializer(res);
    conn.stream.expires_after(options_.send_timeout);
    ex.bytes_out += co_await bhttp::async_write_header(conn.stream, serializer, Redirect(ec));
    if (!ec && !head) {
      Status sent = co_await SendSource(conn, ex, *resp.source);
      if (!sent.ok()) {
        // The header promised more: the only honest end is closing. A client
        // that hung up is routine; anything else is the server's fault.
        const bool client_gone = sent.code() == Code::kNetworkError;
        (client_gone ? log::Debug("http.client_gone") : log::Warn("http.body_source_failed"))
            .Str("request_id", ex.request_id)
            .Str("route", ex.route)
            .Uint("bytes_out", ex.bytes_out)
            .Str("error", sent.ToString());
        after = After::kAbort;
      }
    }
  }
  ex.duration = Clock::now() - started;
  observer_.Record(ex);
  co_return ec ? After::kAbort : after;
}

asio::awaitable<Status> Server::Impl::SendSource(Connection& conn, Exchange& ex,
                                                 BodySource& source) {
  const uint64_t size = source.size();
  uint64_t sent = 0;
  while (sent < size) {
    // One part at a time: an fd part's fd is only valid until the next Next().
    PulledPart pulled = co_await asio::co_spawn(workers_->get_executor(), PullPart(&source),
                                                asio::use_awaitable);
    if (!pulled.status.ok()) co_return pulled.status.WithContext("body source");
    const BodyPart& part = pulled.part;
    if (part.empty()) {
      co_return Internal(fmt::format("body source ended after {} of {} bytes", sent, size));
    }
    const uint64_t length = part.fd >= 0 ? part.length : part.bytes.size();
    if (length > size - sent) {
      co_return Internal(fmt::format("body source parts exceed its size of {} bytes", size));
    }
    // (No co_await inside ?: -- GCC 12 miscompiles it.)
    Status st;
    if (part.fd >= 0) {
      st = co_await SendFileRegion(conn, ex, part.fd, part.offset, length);
    } else {
      st = co_await SendBytes(conn, ex, part.bytes);
    }
    if (!st.ok()) co_return st;
    sent += length;
  }
  co_return Status::Ok();
}

asio::awaitable<Status> Server::Impl::SendBytes(Connection& conn, Exchange& ex,
                                                const std::string& bytes) {
  for (uint64_t done = 0; done < bytes.size();) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kSendSlice, bytes.size() - done));
    conn.stream.expires_after(options_.send_timeout);
    beast::error_code ec;
    const size_t written =
        co_await asio::async_write(conn.stream, asio::buffer(bytes.data() + done, n), Redirect(ec));
    ex.bytes_out += written;
    if (ec) co_return NetworkError("writing response body: " + ec.message());
    done += written;
  }
  co_return Status::Ok();
}

asio::awaitable<Status> Server::Impl::SendFileRegion(Connection& conn, Exchange& ex, int fd,
                                                     uint64_t offset, uint64_t length) {
  tcp::socket& socket = conn.stream.socket();
  beast::error_code ec;
  socket.native_non_blocking(true, ec);
  if (ec) co_return NetworkError("socket: " + ec.message());
  auto executor = co_await asio::this_coro::executor;
  off_t pos = static_cast<off_t>(offset);
  uint64_t left = length;
  uint64_t since_yield = 0;
  while (left > 0) {
    const ssize_t n = ::sendfile(socket.native_handle(), fd, &pos,
                                 static_cast<size_t>(std::min(left, kSendSlice)));
    if (n > 0) {
      left -= static_cast<uint64_t>(n);
      ex.bytes_out += static_cast<uint64_t>(n);
      since_yield += static_cast<uint64_t>(n);
      if (since_yield >= kYieldBytes) {
        since_yield = 0;
        co_await asio::post(executor, asio::use_awaitable);
      }
      continue;
    }
    if (n == 0) {
      co_return Internal(fmt::format("file ended {} bytes short of its body part", left));
    }
    const int err = errno;
    if (err == EINTR) continue;
    if (err != EAGAIN && err != EWOULDBLOCK) co_return ErrnoStatus(err, "sendfile");
    // Socket full: wait until writable, at most send_timeout. The timer
    // cancels the wait; its handler owns what it touches, since it may run
    // after this frame has moved on.
    struct WaitState {
      bool done = false;
      bool timed_out = false;
    };
    auto state = std::make_shared<WaitState>();
    asio::steady_timer timer(executor, options_.send_timeout);
    timer.async_wait([state, conn_ref = conn.shared_from_this()](const beast::error_code& e) {
      if (e || state->done) return;
      state->timed_out = true;
      beast::error_code ignored;
      conn_ref->stream.socket().cancel(ignored);
    });
    co_await socket.async_wait(tcp::socket::wait_write, Redirect(ec));
    state->done = true;
    timer.cancel();
    if (state->timed_out) {
      co_return Timeout(fmt::format("client read nothing for {} ms", options_.send_timeout.count()));
    }
    if (ec) co_return NetworkError("waiting to send: " + ec.message());
  }
  co_return Status::Ok();
}

asio::awaitable<bool> Server::Impl::RunAuthenticate(const Impl* impl, Request* req) {
  co_return impl->Authenticate(*req);
}

bool Server::Impl::Authenticate(Request& req) const {
  if (!options_.authenticate) return false;
  try {
    return options_.authenticate(req);
  } catch (const std::exception& e) {
    log::Error("http.auth_exception").Str("request_id", req.request_id).Str("what", e.what());
  } catch (...) {
    log::Error("http.auth_exception")
        .Str("request_id", req.request_id)
        .Str("what", "unknown exception");
  }
  return false;
}

asio::awaitable<Response> Server::Impl::RunOnWorker(const Impl* impl, const RouteMatch* match,
                                                    Request* req) {
  co_return impl->Invoke(*match, *req);
}

Response Server::Impl::Invoke(const RouteMatch& match, Request& req) const {
  try {
    return (*match.handler)(req);
  } catch (const std::exception& e) {
    log::Error("http.handler_exception")
        .Str("request_id", req.request_id)
        .Str("route", match.metric_name)
        .Str("what", e.what());
  } catch (...) {
    log::Error("http.handler_exception")
        .Str("request_id", req.request_id)
        .Str("route", match.metric_name)
        .Str("what", "unknown exception");
  }
  return Response::Error(Internal("internal error; request id " + req.request_id));
}

// ---------------------------------------------------------------------------

Server::Server(ServerOptions options, const Router& router, metrics::Registry& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}
Server::~Server() = default;
Status Server::Start() { return impl_->Start(); }
uint16_t Server::port() const { return impl_->port(); }
void Server::Stop() { impl_->Stop(); }
int Server::InFlight() const { return impl_->InFlight(); }

}  // namespace nasd::http
