// Router: maps (method, path pattern) to a handler, with per-route limits.
//
// Patterns are literal segments and "{name}" captures of one segment, e.g.
// "/api/v1/shares/{name}". A pattern ending in "/{name...}" captures the rest
// of the path. Unknown path: 404; known path but other method: 405 with Allow.
//
// Matching details:
// - a "{name}" capture matches one non-empty segment; "{name...}" matches zero
//   or more segments and captures them joined by '/' ("/files/{p...}" gives
//   p="a/b" for "/files/a/b" and p="" for "/files" and "/files/");
// - when several patterns match, the most specific wins, segment by segment:
//   literal over "{name}" over "{name...}";
// - HEAD falls back to the GET route when no HEAD route matches (the server
//   sends the headers without the body), and Allow lists HEAD with GET;
// - Match() sees the percent-decoded path, so params hold decoded values.
// Invalid patterns and duplicate routes are programming errors (abort in Add).
//
// Handlers run on the server's blocking worker pool, never on an I/O thread,
// so they may call RocksDB, fsync and hash. They must be thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "http/message.h"

namespace nasd::http {

using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  // Larger bodies get 413: before the handler runs when Content-Length says
  // so, else (chunked stream_body) when the excess arrives.
  uint64_t max_body_bytes = 1 << 20;
  bool requires_auth = false;         // checked by the server's Authenticator
  std::string metric_name;            // label in metrics; defaults to the pattern
  // The handler runs once the header is parsed (and auth passed) and reads
  // the body through Request::body_reader while it arrives (see server.h).
  bool stream_body = false;
  // WWW-Authenticate value sent with a 401 for this route.
  std::string auth_challenge = "Bearer";
  // The handler is quick and never waits long (no fsync, no big read, no
  // lock held by a slow writer): it runs on the connection's I/O thread
  // instead of a worker, saving two thread switches a request. Not for
  // stream_body routes.
  bool quick = false;
};

struct RouteMatch {
  const Handler* handler = nullptr;
  const RouteOptions* options = nullptr;
  std::string metric_name;
  std::map<std::string, std::string> params;
  // Set when no handler: 404 (no such path) or 405 (method not allowed).
  int error_status = 0;
  std::string allow;  // for 405: "GET, POST"
};

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
  // Thread-safe after all routes are added.
  RouteMatch Match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    bool rest = false;
    Handler handler;
    RouteOptions options;
  };
  std::vector<Route> routes_;
};

}  // namespace nasd::http
