// Streamed exchanges of the HTTP server (see server.cc for the layout):
// ServeStreaming() runs a stream_body handler while pumping the request body
// into a BodyPipe; Reply() sends a buffered body or pulls a BodySource's
// parts, written as bytes or sent with sendfile(2).
#include <sys/sendfile.h>

#include "http/server_impl.h"

namespace nasd::http {

namespace {

// How the body of a streamed request ended, as far as the server knows.
enum class BodyState { kReading, kDone, kTooLarge, kMalformed, kBroken };

// Reads and drops what is left of a body the handler did not read, if that
// is at most kDrainBytes and arrives within kLingerTime. True if the request
// then ended, so the connection can carry another one. raw_left: the body
// was being read past the parser, and this much of it is left.
asio::awaitable<bool> DrainRest(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                bhttp::request_parser<bhttp::buffer_body>& parser,
                                std::optional<uint64_t> raw_left, Exchange& ex) {
  const auto parser_left = parser.content_length_remaining();
  if (raw_left ? *raw_left > kDrainBytes : parser_left && *parser_left > kDrainBytes) co_return false;
  std::vector<char> sink(64 * 1024);
  stream.expires_after(kLingerTime);
  if (raw_left) {
    while (*raw_left > 0) {
      beast::error_code ec;
      const size_t n = co_await stream.async_read_some(
          asio::buffer(sink.data(), static_cast<size_t>(std::min<uint64_t>(sink.size(), *raw_left))),
          Redirect(ec));
      ex.bytes_in += n;
      *raw_left -= n;
      if (ec && *raw_left > 0) co_return false;
    }
    co_return true;
  }
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
  // A small body is read whole before the handler starts, so the handler
  // never waits for it and neither side wakes the other per buffer: a
  // thread switch each way costs more than holding BodyPipe::kPrefillBytes.
  bool handler_started = false;
  auto start_handler = [&] {
    if (handler_started) return;
    handler_started = true;
    asio::post(workers_->get_executor(), [this, call] {
      call->response = Invoke(call->match, call->req);
      call->pipe->CloseReader();  // publishes call->response to the coroutine
    });
  };
  if (expect_continue || !content_length || *content_length > BodyPipe::kPrefillBytes) {
    start_handler();
  }

  BodyState body = parser.is_done() ? BodyState::kDone : BodyState::kReading;
  if (body == BodyState::kDone) pipe.Finish();
  if (body == BodyState::kReading) GrowForBody(buffer);
  bool continue_sent = false;
  std::optional<std::string> chunk;  // being filled: chunk->size() bytes valid
  size_t filled = 0;
  uint64_t received = 0;  // body bytes read so far
  std::optional<uint64_t> raw_left;  // set: read past the parser, this much left
  bool armed = false;
  uint64_t since_armed = 0;
  for (;;) {
    if (body != BodyState::kReading) start_handler();
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
      // Sized to what is left of a body of known length.
      const uint64_t left = content_length && *content_length > received
                                ? *content_length - received
                                : BodyPipe::kBufferBytes;
      chunk = pipe.AcquireBuffer(static_cast<size_t>(std::min<uint64_t>(left, BodyPipe::kBufferBytes)));
      if (!chunk) {
        // Back-pressure: the socket is not read until the handler catches
        // up, and that wait does not count against body_timeout.
        start_handler();
        armed = false;
        co_await signal->Wait();
        continue;
      }
      filled = 0;
    }
    // body_timeout bounds the arrival of each kBufferBytes, not the whole
    // body, so a multi-GiB upload is not cut off while a trickle is.
    if (!armed || since_armed >= BodyPipe::kBufferBytes) {
      conn.stream.expires_after(options_.body_timeout);
      armed = true;
      since_armed = 0;
    }
    // Once the read buffer holds nothing more of a body of known length,
    // the rest is read from the socket straight into the pipe's buffer:
    // through the parser every byte would land in `buffer` and be copied.
    if (!raw_left && buffer.size() == 0 && !parser.chunked()) {
      if (auto left = parser.content_length_remaining()) raw_left = *left;
    }
    beast::error_code ec;
    size_t got = 0;
    if (raw_left) {
      const size_t room = chunk->size() - filled;
      got = co_await conn.stream.async_read_some(
          asio::buffer(chunk->data() + filled, static_cast<size_t>(std::min<uint64_t>(room, *raw_left))),
          Redirect(ec));
      ex.bytes_in += got;
      *raw_left -= got;
    } else {
      auto& target = parser.get().body();
      target.data = chunk->data() + filled;
      target.size = chunk->size() - filled;
      ex.bytes_in += co_await bhttp::async_read_some(conn.stream, buffer, parser, Redirect(ec));
      if (ec == bhttp::error::need_buffer) ec = {};
      got = chunk->size() - filled - target.size;
    }
    ++ex.body_reads;
    const bool done = raw_left ? *raw_left == 0 : parser.is_done();
    if (done) ec = {};
    filled += got;
    received += got;
    since_armed += got;
    // A partly filled buffer goes early only when the handler has nothing
    // queued and it holds kEagerPushBytes: handing over every few kilobytes a
    // fast socket delivers costs a thread wake-up each (400k futex calls for
    // a 512 MiB upload), more than the copy.
    if (filled > 0 && (filled == chunk->size() || done || ec ||
                       (filled >= BodyPipe::kEagerPushBytes && pipe.Starving()))) {
      pipe.Push(std::move(*chunk), filled);
      chunk.reset();
    }
    if (done) {
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
      drained = co_await DrainRest(conn.stream, buffer, parser, raw_left, ex);
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
  // The first part is pulled before the header goes out when that needs no
  // worker (a quick source, or TryNext): a failure is then still an honest
  // error reply, a body that is one bytes part (a small file) leaves in the
  // same write as the header, and a header followed by an fd part is held
  // back for it (MSG_MORE) instead of leaving in a packet of its own.
  std::optional<PulledPart> first;
  if (resp.source && !head && resp.status != 204 && resp.status != 304 && resp.source->size() > 0) {
    if (resp.source->quick()) {
      first = co_await PullPart(resp.source.get());
    } else {
      first = TryPullPart(*resp.source);
    }
  }
  if (first) {
    if (!first->status.ok()) {
      log::Warn("http.body_source_failed")
          .Str("request_id", ex.request_id)
          .Str("route", ex.route)
          .Str("error", first->status.ToString());
      resp = Response::Error(Internal("internal error; request id " + ex.request_id));
      first.reset();
    } else if (first->part.fd < 0 && first->part.bytes.size() == resp.source->size()) {
      resp.body = std::move(first->part.bytes);
      resp.source.reset();
      first.reset();
    }
  }
  const std::string head_bytes = PrepareHead(resp, ex.request_id, head, after == After::kKeepAlive);
  ex.status = resp.status;
  beast::error_code ec;
  if (!resp.source) {
    // Head and body in one gathered write.
    conn.stream.expires_after(options_.body_timeout);
    const std::array<asio::const_buffer, 2> parts{asio::buffer(head_bytes), asio::buffer(resp.body)};
    ex.bytes_out += co_await asio::async_write(conn.stream, parts, Redirect(ec));
  } else {
    // With its first part at hand, the header is queued in the socket
    // without a push (the socket's own buffer nearly always has room);
    // the part's sendfile pushes both. Whatever did not fit goes as usual.
    size_t queued = 0;
    if (first && first->part.fd >= 0) queued = QueueMore(conn.stream.socket(), head_bytes);
    ex.bytes_out += queued;
    conn.stream.expires_after(options_.send_timeout);
    if (queued < head_bytes.size()) {
      ex.bytes_out += co_await asio::async_write(
          conn.stream, asio::buffer(head_bytes.data() + queued, head_bytes.size() - queued), Redirect(ec));
    }
    if (!ec && !head) {
      Status sent = co_await SendSource(conn, ex, *resp.source, std::move(first));
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
                                                 BodySource& source,
                                                 std::optional<PulledPart> first) {
  const uint64_t size = source.size();
  uint64_t sent = 0;
  while (sent < size) {
    // One part at a time: an fd part's fd is only valid until the next Next().
    PulledPart pulled;
    if (first) {
      pulled = std::move(*first);
      first.reset();
    } else if (source.quick()) {
      pulled = co_await PullPart(&source);
    } else if (std::optional<PulledPart> now = TryPullPart(source)) {
      pulled = std::move(*now);
    } else {
      pulled = co_await asio::co_spawn(workers_->get_executor(), PullPart(&source),
                                       asio::use_awaitable);
    }
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

}  // namespace nasd::http
