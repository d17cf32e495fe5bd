#include "http/server_observer.h"

#include "common/logging.h"
#include "http/request_parts.h"

namespace nasd::http {

ServerObserver::ServerObserver(metrics::Registry& registry)
    : requests_(registry.AddCounter("nasd_http_requests_total", "HTTP requests served.",
                                    {"route", "method", "status"})),
      duration_(registry.AddHistogram("nasd_http_request_duration_seconds",
                                      "Time from the first header byte to the last response byte.",
                                      {"route"}, metrics::LatencyBuckets())),
      request_bytes_(registry
                         .AddCounter("nasd_http_request_bytes_total",
                                     "Bytes read from HTTP clients (headers and bodies).")
                         .With({})),
      response_bytes_(registry
                          .AddCounter("nasd_http_response_bytes_total",
                                      "Bytes written to HTTP clients (headers and bodies).")
                          .With({})),
      body_reads_(registry
                      .AddCounter("nasd_http_body_reads_total",
                                  "Reads of streamed request bodies (uploads), each at most one "
                                  "socket receive: body bytes over this is the mean read size.")
                      .With({})),
      connections_(registry.AddGauge("nasd_http_connections", "Open HTTP connections.").With({})),
      rejected_(registry
                    .AddCounter("nasd_http_rejected_connections_total",
                                "Connections refused with 503 because max_connections was reached.")
                    .With({})) {}

void ServerObserver::Record(const Exchange& ex) {
  const double seconds = std::chrono::duration<double>(ex.duration).count();
  requests_.With({ex.route, std::string(MethodLabel(ex.method)), std::to_string(ex.status)}).Inc();
  duration_.With({ex.route}).Observe(seconds);
  request_bytes_.Inc(static_cast<double>(ex.bytes_in));
  response_bytes_.Inc(static_cast<double>(ex.bytes_out));
  if (ex.body_reads > 0) body_reads_.Inc(static_cast<double>(ex.body_reads));

  auto line = log::Info("http.access");
  line.Str("method", ex.method)
      .Str("path", ex.path)
      .Int("status", ex.status)
      .Uint("bytes_in", ex.bytes_in)
      .Uint("bytes_out", ex.bytes_out)
      .Double("duration_ms", seconds * 1000.0)
      .Str("request_id", ex.request_id);
  if (!ex.trace_id.empty()) line.Str("trace_id", ex.trace_id);
  line.Str("remote", ex.remote);
}

void LogException(std::string_view where, std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log::Error("http.exception").Str("where", where).Str("what", ex.what());
  } catch (...) {
    log::Error("http.exception").Str("where", where).Str("what", "unknown exception");
  }
}

}  // namespace nasd::http
