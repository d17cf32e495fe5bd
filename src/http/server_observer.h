// What the server records about every exchange: one access log line
// (event "http.access") and the nasd_http_* metrics. Kept apart from the
// Beast code so that the recording policy is plain, testable C++.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "metrics/metrics.h"

namespace nasd::http {

// Label used for requests that matched no route (404, 405, malformed), so the
// route label stays bounded whatever paths clients send.
inline constexpr const char* kUnmatchedRoute = "unmatched";

struct Exchange {
  std::string method;      // as sent by the client
  std::string path;        // raw path without the query (queries may hold secrets)
  std::string route = kUnmatchedRoute;  // RouteOptions::metric_name when matched
  int status = 0;
  uint64_t bytes_in = 0;   // header and body bytes read
  uint64_t bytes_out = 0;  // header and body bytes written
  uint64_t body_reads = 0;  // reads of a streamed body, each at most one receive
  std::chrono::steady_clock::duration duration{};
  std::string request_id;
  std::string trace_id;    // from a valid traceparent, else empty
  std::string remote;      // "ip:port"
};

class ServerObserver {
 public:
  // Registers nasd_http_requests_total{route,method,status},
  // nasd_http_request_duration_seconds{route}, nasd_http_request_bytes_total,
  // nasd_http_response_bytes_total, nasd_http_body_reads_total,
  // nasd_http_connections and
  // nasd_http_rejected_connections_total. A Registry holds one server's
  // metrics: registering a second observer on it aborts.
  explicit ServerObserver(metrics::Registry& registry);

  // Logs the access line and updates the request metrics.
  void Record(const Exchange& ex);
  void ConnectionOpened() { connections_.Add(1); }
  void ConnectionClosed() { connections_.Add(-1); }
  // A connection refused with 503 because max_connections was reached.
  void ConnectionRejected() { rejected_.Inc(); }

 private:
  metrics::Family<metrics::Counter>& requests_;
  metrics::Family<metrics::Histogram>& duration_;
  metrics::Counter& request_bytes_;
  metrics::Counter& response_bytes_;
  metrics::Counter& body_reads_;
  metrics::Gauge& connections_;
  metrics::Counter& rejected_;
};

// Logs an exception that reached the server's machinery (event
// "http.exception"); a null pointer logs nothing.
void LogException(std::string_view where, std::exception_ptr e);

}  // namespace nasd::http
