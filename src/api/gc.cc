// /api/v1/gc: runs the chunk collector once (vfs/gc/collector.h) and reports
// what it freed, or with ?dry_run=true what it would free and why the rest is
// held.
#include <nlohmann/json.hpp>

#include "api/resources.h"

namespace nasd::api {

void AddGcRoutes(http::Router& router, const ApiContext& ctx) {
  AddAdminRoute(router, ctx, "POST", "/api/v1/gc", [&ctx](http::Request& req) {
    auto dry_run = QueryBool(req, "dry_run", false);
    if (!dry_run.ok()) return http::Response::Error(dry_run.status());
    if (!ctx.run_gc) return http::Response::Error(NotSupported("this server runs no collector"));
    auto report = ctx.run_gc(*dry_run);
    if (!report.ok()) return http::Response::Error(report.status());
    return http::Response::Json(200, *report);
  });
}

}  // namespace nasd::api
