// /healthz, /readyz, /versionz and /metrics: unauthenticated probes for
// orchestrators and scrapers.
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "api/resources.h"

namespace nasd::api {
namespace {

// The storage probe behind /readyz writes durably, so an unauthenticated
// client must not be able to force a sync per request: one probe runs at a
// time and a success is reused for ctx.ready_cache_ttl. Failures are probed
// again on the next request, so recovery shows at once.
class ReadinessProbe {
 public:
  explicit ReadinessProbe(const ApiContext& ctx) : ctx_(ctx) {}

  // Ok, or the failure and the part that failed ("metadata_store" or
  // "chunk_store": /readyz reports it as degraded).
  struct Outcome {
    Status status;
    std::string degraded;
  };
  Outcome Check() {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    if (last_ok_ && now - last_ok_at_ < ctx_.ready_cache_ttl) return {};
    Outcome out{ctx_.kv->CheckWritable().WithContext("metadata store"), "metadata_store"};
    if (out.status.ok()) out = {ctx_.chunks->CheckWritable().WithContext("chunk store"), "chunk_store"};
    if (out.status.ok()) out.degraded.clear();
    last_ok_ = out.status.ok();
    last_ok_at_ = now;
    return out;
  }

 private:
  const ApiContext& ctx_;
  std::mutex mu_;
  bool last_ok_ = false;
  std::chrono::steady_clock::time_point last_ok_at_;
};

}  // namespace

void AddHealthRoutes(http::Router& router, const ApiContext& ctx) {
  router.Add("GET", "/healthz", [](http::Request&) {
    return http::Response::Json(200, R"({"status":"ok"})");
  });

  auto probe = std::make_shared<ReadinessProbe>(ctx);
  router.Add("GET", "/readyz", [probe, &ctx](http::Request&) {
    ReadinessProbe::Outcome probed = probe->Check();
    if (!probed.status.ok()) {
      nlohmann::json body{{"status", "not_ready"}, {"reason", probed.status.ToString()}, {probed.degraded, "degraded"}};
      return http::Response::Json(503, body.dump());
    }
    if (!ctx.services) return http::Response::Json(200, R"({"status":"ready"})");
    // Supervised services (smbd): named with their state, and not ready
    // while one of them is starting, restarting or failed.
    nlohmann::json services = nlohmann::json::object();
    std::string not_ready;
    for (const ServiceReport& s : ctx.services()) {
      services[s.name] = nlohmann::json::parse(s.json, nullptr, /*allow_exceptions=*/false);
      if (!s.ready && not_ready.empty()) not_ready = s.name + " is not ready";
    }
    nlohmann::json body{{"status", not_ready.empty() ? "ready" : "not_ready"}, {"services", services}};
    if (!not_ready.empty()) body["reason"] = not_ready;
    return http::Response::Json(not_ready.empty() ? 200 : 503, body.dump());
  });

  router.Add("GET", "/versionz", [&ctx](http::Request&) {
    nlohmann::json body{{"version", ctx.build.version},
                        {"git_commit", ctx.build.git_commit},
                        {"build_time", ctx.build.build_time}};
    return http::Response::Json(200, body.dump());
  });

  router.Add("GET", "/metrics", [&ctx](http::Request&) {
    http::Response resp = http::Response::Text(200, ctx.metrics->Render());
    resp.headers.Set("content-type", "text/plain; version=0.0.4; charset=utf-8");
    return resp;
  });
}

}  // namespace nasd::api
