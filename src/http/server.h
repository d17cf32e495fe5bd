// Server: HTTP/1.1 over Boost.Asio + Beast with C++20 coroutines.
//
// - keep-alive; at most max_connections open connections (further clients get
//   503 and are closed);
// - the whole request header must arrive within header_timeout and the body
//   within body_timeout (a client sending one byte a minute is cut off); idle
//   keep-alive connections close after idle_timeout;
// - per-route body limits (413) and auth (401 with the route's
//   auth_challenge in WWW-Authenticate, decided on the header before any body
//   is read; the authenticator may fill Request::user and admin);
// - any method token reaches the router as sent (WebDAV's PROPFIND, MKCOL,
//   LOCK ... included);
// - every request gets an X-Request-Id; a W3C traceparent header is accepted,
//   and both are written in the access log line with method, path, status,
//   bytes and duration;
// - metrics: nasd_http_requests_total{route,method,status},
//   nasd_http_request_duration_seconds{route}, nasd_http_request_bytes_total,
//   nasd_http_response_bytes_total, nasd_http_connections (gauge),
//   nasd_http_rejected_connections_total (see server_observer.h; one Server
//   per Registry);
// - Stop() drains: stops accepting, closes idle connections, lets in-flight
//   requests finish (up to drain_timeout) and then closes the rest.
//
// Wire details: every response carries Server, Date, Content-Length (except
// 1xx/204/304) and X-Request-Id; HEAD gets the GET handler's headers without
// its body; malformed requests get 400 (431 for an oversized header) and the
// connection is closed; a Transfer-Encoding other than "chunked" gets 400
// (chunked not last) or 501 and the connection is closed; chunk lines and
// trailers share the header's size bound (an endless one gets 400);
// "Expect: 100-continue" is answered before the body is read; a handler's
// exception becomes a 500 JSON error and is logged; headers a handler sets
// that the server owns (Content-Length, Connection, Date, Server,
// Transfer-Encoding), that contain CR/LF or that are too long are dropped.
//
// Streamed request bodies (RouteOptions::stream_body): the handler runs as
// soon as the header is parsed and auth passed, and reads the body through
// Request::body_reader while the connection's coroutine reads it from the
// socket (Content-Length or chunked) into a bounded queue (BodyPipe: at most
// 4 x 256 KiB per connection; while it is full the socket is not read, which
// pushes back on the client). "Expect: 100-continue" is answered at the
// handler's first Read, so a handler that refuses early never gets the body.
// body_timeout bounds the arrival of each 256 KiB (time spent waiting for the
// handler to read does not count). A chunked body passing max_body_bytes
// makes Read fail with kTooLarge and the reply 413, a malformed one kUnavailable
// and 400, whatever the handler returns; a client that disconnects or times
// out makes Read fail with kUnavailable and gets no reply. A handler that
// returns before the end of the body: up to 256 KiB of the rest is read and
// dropped (within 500 ms) to keep the connection, else the reply carries
// Connection: close and the connection closes after it.
//
// Streamed responses (Response::source): the header carries Content-Length =
// source->size(); the server then calls Next() on a worker thread, one part
// at a time, writing bytes parts with async writes and sending fd parts with
// sendfile(2) on the non-blocking socket, until size() bytes went out. HEAD,
// 204 and 304 never call Next(). The first part is pulled before the header
// goes out when that needs no worker (a quick source, or TryNext): its
// failure is then a 500 reply, a whole body in one bytes part leaves with the
// header in one write, and a header followed by an fd part is queued with
// MSG_MORE so that both leave in full packets (as nginx's tcp_nopush). Once
// the header is out, a source error, a short or overlong part sequence, or a
// client that accepts no byte for send_timeout closes the connection (logged
// as http.body_source_failed); the access log and metrics count the bytes
// actually sent.
//
// Threading: I/O runs on io_threads threads; handlers, authenticators and
// BodySource::Next() on worker_threads, except the quick ones
// (RouteOptions::quick, authenticate_quick, BodySource::quick()), which run
// on the connection's I/O thread: for a small GET, the hops to a worker and
// back cost more than the work.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "metrics/metrics.h"
#include "common/status.h"
#include "http/router.h"

namespace nasd::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port (see Server::port())
  int io_threads = 1;
  int worker_threads = 4;
  int max_connections = 512;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{60'000};
  std::chrono::milliseconds idle_timeout{60'000};
  // A streamed response (Response::source) is cut off when the client
  // accepts no more of it for this long.
  std::chrono::milliseconds send_timeout{60'000};
  std::chrono::milliseconds drain_timeout{15'000};
  // Largest request header (request line and fields); larger gets 431.
  uint32_t max_header_bytes = 16 * 1024;
  // Returns true if the request may proceed, and may then set request.user
  // and request.admin for the handler. Called for routes with requires_auth,
  // on a worker thread, after routing and before the body is read
  // (Request::body is still empty; params are set), so a refused client
  // never gets 100 Continue and never makes the server buffer its body.
  // Unset = every request is refused; an exception refuses the request.
  std::function<bool(Request&)> authenticate;
  // Optional: tried first, on the I/O thread, for routes with requires_auth.
  // Returns the answer when it can give it without waiting (a token compare,
  // a cached password check), nullopt to have authenticate decide on a
  // worker. May set request.user and admin like authenticate.
  std::function<std::optional<bool>(Request&)> authenticate_quick;
};

class Server {
 public:
  Server(ServerOptions options, const Router& router, metrics::Registry& metrics);
  ~Server();  // Stops if running.
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving in background threads. kAlreadyExists if the
  // address is in use; kInvalidArgument for a bad host or options;
  // kFailedPrecondition if called twice (a Server is started at most once).
  Status Start();
  // Actual bound port (useful with port 0). REQUIRES: Start() succeeded.
  uint16_t port() const;
  // Graceful drain as described above; blocks until all threads have exited.
  // Idempotent. A handler still running after drain_timeout cannot be
  // interrupted: its connection is closed, and Stop waits for it to return.
  // REQUIRES: not called from a handler or an I/O thread (it would wait for
  // itself).
  void Stop();
  // Number of requests currently being handled.
  int InFlight() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nasd::http
