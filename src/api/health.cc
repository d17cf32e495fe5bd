// /healthz, /readyz, /versionz and /metrics: unauthenticated probes for
// orchestrators and scrapers.
#include <nlohmann/json.hpp>

#include "api/resources.h"

namespace nasd::api {

void AddHealthRoutes(http::Router& router, const ApiContext& ctx) {
  router.Add("GET", "/healthz", [](http::Request&) {
    return http::Response::Json(200, R"({"status":"ok"})");
  });

  router.Add("GET", "/readyz", [&ctx](http::Request&) {
    Status st = ctx.kv->CheckWritable().WithContext("metadata store");
    if (st.ok()) st = ctx.chunks->CheckWritable().WithContext("chunk store");
    if (!st.ok()) {
      nlohmann::json body{{"status", "not_ready"}, {"reason", st.ToString()}};
      return http::Response::Json(503, body.dump());
    }
    return http::Response::Json(200, R"({"status":"ready"})");
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
