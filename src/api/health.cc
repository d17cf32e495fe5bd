// /healthz, /readyz, /versionz and /metrics: unauthenticated probes for
// orchestrators and scrapers.
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "api/resources.h"

namespace nasd::api {
namespace {

// The storage probe behind /readyz writes durably, so an unauthenticated
// client must not be able to force a sync per request: one probe runs at a
// time and a success is reused for ctx.ready_cache_ttl. Failures are probed
// again on the next request, so recovery shows at once.
//
// A store that hangs (an unreachable S3 bucket retries until its deadline)
// must not hang /readyz: the probe runs on its own thread and a request waits
// for it at most ctx.ready_probe_timeout, then answers with the part still
// being probed as degraded. Later requests wait for that same probe.
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
    std::shared_future<Outcome> probe;
    {
      std::lock_guard lock(mu_);
      if (last_ok_ && std::chrono::steady_clock::now() - last_ok_at_ < ctx_.ready_cache_ttl) return {};
      if (!running_.valid()) running_ = std::async(std::launch::async, [this] { return Probe(); }).share();
      probe = running_;
    }
    if (probe.wait_for(ctx_.ready_probe_timeout) != std::future_status::ready) {
      return {Timeout(fmt::format("{} did not answer its probe within {} ms", Part(), ctx_.ready_probe_timeout.count())),
              stage_.load() == kMetadata ? "metadata_store" : "chunk_store"};
    }
    Outcome out = probe.get();
    std::lock_guard lock(mu_);
    if (running_.valid() && running_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      last_ok_ = running_.get().status.ok();
      last_ok_at_ = std::chrono::steady_clock::now();
      running_ = {};  // the next probe starts afresh
    }
    return out;
  }

 private:
  enum Stage { kMetadata, kChunks };

  Outcome Probe() {
    stage_ = kMetadata;
    Outcome out{ctx_.kv->CheckWritable().WithContext("metadata store"), "metadata_store"};
    if (!out.status.ok()) return out;
    stage_ = kChunks;
    out = {ctx_.chunks->CheckWritable().WithContext("chunk store"), "chunk_store"};
    if (out.status.ok()) out.degraded.clear();
    return out;
  }
  const char* Part() const { return stage_.load() == kMetadata ? "the metadata store" : "the chunk store"; }

  const ApiContext& ctx_;
  std::atomic<Stage> stage_{kMetadata};
  std::mutex mu_;
  // The probe in progress (or finished, not yet collected). Its destructor
  // waits for the probe thread, so ctx_ outlives it.
  std::shared_future<Outcome> running_;
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
