// Pure helpers the server uses on every request; no Asio or Beast here, so
// they are cheap to include and easy to test.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace nasd::http {

struct Target {
  std::string raw_path;                      // before '?', still encoded
  std::string path;                          // percent-decoded
  std::map<std::string, std::string> query;  // decoded; '+' means space; last one wins
};

// Splits an origin-form target ("/a%20b?x=1&flag") into path and query.
// kInvalidArgument if the target does not start with '/', has bad escapes,
// has a "." or ".." path segment (raw or percent-encoded), or a path segment
// containing an encoded '/' (so every decoded segment is a single name).
Result<Target> ParseTarget(std::string_view target);

// Checks the request's Transfer-Encoding fields (all of them, as one list).
// Ok when there are none or the list is exactly "chunked" (any case);
// kInvalidArgument (400) when chunked is not the final coding, since the body
// length is then unknowable (RFC 9112 6.3); kNotSupported (501) for any other
// coding, which the server does not decode.
Status CheckTransferEncoding(const std::vector<std::string_view>& fields);

// A fresh request id: 16 lowercase hex characters, unique within the process
// (a counter from a random start, scrambled by a bijection) and unlikely to
// repeat across restarts. Not a secret: it appears in logs and error bodies.
// (A getrandom call per request cost a system call each.)
std::string NewRequestId();

// The trace id of a W3C traceparent header "00-<32hex>-<16hex>-<2hex>"
// (lowercase hex, ids not all zero); nullopt for anything else.
std::optional<std::string> TraceIdFromTraceparent(std::string_view header);

// Bounded metrics label for a method: known methods as-is, others "OTHER".
std::string_view MethodLabel(std::string_view method);

// What the server does with a header a handler put on its Response.
enum class HeaderVerdict {
  kKeep,
  kServerOwned,  // Content-Length, Connection, Date, Server, Transfer-Encoding: dropped
  kUnsafe,       // name not a token, CR/LF/NUL in the value, or name or value
                 // longer than kMaxResponseFieldBytes: dropped and logged
};
inline constexpr size_t kMaxResponseFieldBytes = 65'000;
// REQUIRES: name is lowercase (as Headers stores it).
HeaderVerdict CheckResponseHeader(std::string_view name, std::string_view value);

// IMF-fixdate as HTTP requires: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(std::chrono::system_clock::time_point t);

// The standard reason phrase of an HTTP status code ("" for one it does not
// know, which HTTP/1.1 allows).
std::string_view ReasonPhrase(int status);

class Headers;
// The status line and header block of an HTTP/1.1 response, through the
// blank line: the handler's headers CheckResponseHeader keeps (the names of
// unsafe ones are appended to dropped), then Server, Date, X-Request-Id,
// "Connection: close" unless keep_alive, and Content-Length when given.
std::string ResponseHead(int status, const Headers& headers, std::string_view request_id, bool keep_alive,
                         std::optional<uint64_t> content_length, std::vector<std::string>* dropped);

}  // namespace nasd::http
