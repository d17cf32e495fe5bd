// The one file that serves HTTP with Boost.Beast. Layout:
//   Accept()   one coroutine on the acceptor's strand; admits or rejects (503)
//   Serve()    one coroutine per connection on its own strand: idle wait,
//              then ServeOne() per request until the connection closes
//   ServeOne() header under header_timeout, routing, body under body_timeout,
//              handler on the worker pool, Reply()
//   ServeStreaming()  (server_stream.cc) stream_body routes: the handler starts at once and the
//              coroutine pumps the body into a BodyPipe while it runs
//   Reply()    (server_stream.cc) buffered body, or SendSource() for a BodySource (bytes parts
//              with async writes, fd parts with sendfile(2))
//   Stop()     closes the acceptor, cancels idle reads, waits for the rest
//
// Lifetime: Impl outlives every coroutine because Stop() (run by ~Impl) waits
// until all connections are gone and joins the I/O threads. Connection state
#include "http/server.h"

#include "http/server_impl.h"

namespace nasd::http {

Status Server::Impl::Start() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (state_ != State::kNew) return FailedPrecondition("server was already started");
  if (options_.io_threads < 1 || options_.worker_threads < 1 || options_.max_connections < 1) {
    return InvalidArgument("io_threads, worker_threads and max_connections must be >= 1");
  }
  const std::string where = fmt::format("{}:{}", options_.host, options_.port);
  beast::error_code ec;
  tcp::resolver resolver(*iocs_.front());
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
  for (auto& ioc : iocs_) work_.push_back(asio::make_work_guard(*ioc));
  asio::co_spawn(acceptor_.get_executor(), Accept(),
                 [](std::exception_ptr e) { LogException("accept", e); });
  for (auto& ioc : iocs_) io_threads_.emplace_back([this, &ioc] { RunIo(*ioc); });
  state_ = State::kRunning;
  log::Info("http.listening").Str("host", options_.host).Uint("port", port_);
  return Status::Ok();
}

std::vector<std::unique_ptr<asio::io_context>> Server::Impl::MakeContexts(int n) {
  std::vector<std::unique_ptr<asio::io_context>> out;
  for (int i = 0; i < std::max(1, n); ++i) out.push_back(std::make_unique<asio::io_context>(1));
  return out;
}

void Server::Impl::RunIo(asio::io_context& ioc) {
  // sendfile(2) has no MSG_NOSIGNAL: a client that went away would raise
  // SIGPIPE. Blocked here, a synchronous SIGPIPE stays pending on this
  // thread (harmless) and sendfile fails with EPIPE instead.
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);
  for (;;) {
    try {
      ioc.run();
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
  work_.clear();
  for (auto& t : io_threads_) t.join();
  io_threads_.clear();
  workers_->join();
  state_ = State::kStopped;
  log::Info("http.stopped").Uint("port", port_);
}

asio::awaitable<void> Server::Impl::Accept() {
  for (;;) {
    beast::error_code ec;
    asio::io_context& ioc = *iocs_[next_ioc_++ % iocs_.size()];
    tcp::socket socket = co_await acceptor_.async_accept(asio::make_strand(ioc), Redirect(ec));
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
  const std::string head = PrepareHead(busy, NewRequestId(), /*head=*/false, /*keep_alive=*/false);
  stream.expires_after(kRejectWriteTimeout);
  beast::error_code ec;
  const std::array<asio::const_buffer, 2> parts{asio::buffer(head), asio::buffer(busy.body)};
  co_await asio::async_write(stream, parts, Redirect(ec));
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
    // A body grew the buffer (GrowForBody): an idle connection keeps little.
    if (buffer.capacity() > kReadChunk && buffer.size() < kReadChunk) buffer.shrink_to_fit();
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
    std::optional<bool> quick = QuickAuthenticate(req);
    bool allowed = quick.value_or(false);
    if (!quick) {
      allowed = co_await asio::co_spawn(workers_->get_executor(), RunAuthenticate(this, &req),
                                        asio::use_awaitable);
    }
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
    GrowForBody(buffer);
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
  Response resp;
  if (match.options->quick) {
    resp = Invoke(match, req);
  } else {
    resp = co_await asio::co_spawn(workers_->get_executor(), RunOnWorker(this, &match, &req),
                                   asio::use_awaitable);
  }
  co_return co_await Reply(conn, ex, std::move(resp), head,
                           keep_alive ? After::kKeepAlive : After::kClose, started);
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

std::optional<bool> Server::Impl::QuickAuthenticate(Request& req) const {
  if (!options_.authenticate_quick) return std::nullopt;
  try {
    return options_.authenticate_quick(req);
  } catch (...) {
    return std::nullopt;  // the full authenticator decides, and logs
  }
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
