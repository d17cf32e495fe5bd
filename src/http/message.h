// Plain HTTP request/response values passed between the Beast-based server
// (server.cc, the only file that includes Beast for serving) and handlers.
// Handlers never see Asio or Beast types, so including this header is cheap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace nasd::http {

// Case-insensitive header map (names compared lowercase; stored lowercase).
class Headers {
 public:
  void Set(std::string_view name, std::string value);
  void Add(std::string_view name, std::string value);
  std::optional<std::string_view> Get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& all() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// A request body read while it arrives (routes with RouteOptions::stream_body).
// Owned by the server; valid while the handler runs. Read is called by the
// handler's thread only (not thread-safe against itself).
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Blocks until body bytes arrive; copies 1..cap bytes into buf, or returns 0 at the end of the body.
  // Errors: kTooLarge (body exceeds the route's max_body_bytes; the server answers 413 whatever the handler returns),
  // kUnavailable (client disconnected, malformed chunked encoding, or body_timeout passed).
  // An error is final: later calls return it again.
  virtual Result<size_t> Read(char* buf, size_t cap) = 0;
  // Read without the copy: blocks until body bytes arrive and returns a
  // view of the next ones (empty at the end of the body; errors as Read).
  // The view stays valid until Consume, which takes its first n bytes
  // (n <= its size); the next Peek or Read returns what follows them.
  virtual Result<std::string_view> Peek() = 0;
  virtual void Consume(size_t n) = 0;
  // The Content-Length the client announced, if any (chunked: nullopt).
  virtual std::optional<uint64_t> content_length() const = 0;
};

// One piece of a streamed response body: bytes, or a region of a file sent with sendfile(2).
struct BodyPart {
  std::string bytes;
  int fd = -1;          // >= 0: send `length` bytes of fd from `offset`; fd stays owned by the source and valid until its next Next() call or its destruction
  uint64_t offset = 0;
  uint64_t length = 0;
  bool empty() const { return fd < 0 && bytes.empty(); }
};

// A response body produced while it is sent (Response::source). The server
// calls Next() one part at a time (the previous part is fully sent before the
// next Next() call) and stops once size() bytes went out; the source is
// destroyed on whichever thread drops the last reference.
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual uint64_t size() const = 0;   // Content-Length; the parts add up to exactly this
  // The next part; an empty part ends the body. Called on a worker thread
  // (on the I/O thread when quick()). An error (or parts not adding up to
  // size()) after the headers went out closes the connection (logged).
  virtual Result<BodyPart> Next() = 0;
  // True when every Next() is short and never waits long (a small body whose
  // bytes are likely cached): it then runs on the connection's I/O thread,
  // saving two thread switches a part. Sources that may read megabytes from
  // disk or the network must say false.
  virtual bool quick() const { return false; }
  // For sources that are not quick(): the next part if it can be had now
  // without waiting for a disk (e.g. file data in the page cache), so the
  // I/O thread takes it instead of a worker; nullopt leaves the source as it
  // was, and Next() then runs on a worker.
  virtual std::optional<Result<BodyPart>> TryNext() { return std::nullopt; }
};

struct Request {
  std::string method;                        // "GET"
  std::string target;                        // raw target "/api/v1/shares?force=true"
  std::string path;                          // percent-decoded path "/api/v1/shares"
  std::map<std::string, std::string> query;  // decoded query parameters
  Headers headers;
  std::string body;
  std::string remote;                        // "127.0.0.1:53412"
  std::string request_id;                    // assigned by the server
  std::map<std::string, std::string> params; // route captures, e.g. {"name": "docs"}
  // Set only for RouteOptions::stream_body routes (then `body` stays empty);
  // valid while the handler runs.
  BodyReader* body_reader = nullptr;
  std::string user;                          // filled by the authenticator
  bool admin = false;                        // filled by the authenticator
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, `body` is ignored and Content-Length is source->size(); HEAD
  // (and 204/304) send the headers only and never call Next().
  std::shared_ptr<BodySource> source;

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body);
  // {"error":{"code":"<CodeName>","message":"..."}} with ToHttpStatus(code).
  static Response Error(const Status& status);
  static Response Error(int http_status, std::string_view code, std::string_view message);
};

// Percent-decodes s; nullopt on malformed escapes or a NUL, encoded or raw.
std::optional<std::string> PercentDecode(std::string_view s);

// s without leading and trailing spaces and tabs (a header field's OWS).
std::string_view TrimOws(std::string_view s);

}  // namespace nasd::http
