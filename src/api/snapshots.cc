// /api/v1/shares/{name}/snapshots: list, take, inspect, delete and restore a
// share's snapshots (meta/snapshot_store.h). Taking or restoring one first
// commits the share's buffered writes (ApiContext::flush_share).
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/resources.h"
#include "meta/clock.h"
#include "meta/snapshot_restore.h"
#include "meta/snapshot_store.h"
#include "meta/space_usage.h"

namespace nasd::api {
namespace {

nlohmann::json SnapshotJson(const meta::SnapshotInfo& s) {
  return {{"name", s.name}, {"epoch", s.epoch}, {"created", FormatTimeNs(s.created_ns)}};
}

// The default name of a snapshot: its UTC time to the second, the form SMB
// "Previous Versions" can later offer (2026-11-26T11:00:00Z).
std::string TimestampName(int64_t unix_ns) {
  const std::time_t secs = static_cast<std::time_t>(unix_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The name in a POST body ({"name": "..."}, optional); empty when absent.
Result<std::string> NameFromBody(const http::Request& req) {
  if (req.body.empty()) return std::string();
  NASD_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(req));
  for (const auto& [key, value] : body.items()) {
    if (key != "name") return InvalidArgument("unknown field '" + key + "'");
  }
  auto it = body.find("name");
  if (it == body.end()) return std::string();
  if (!it->is_string()) return InvalidArgument("field 'name' must be a string");
  return it->get<std::string>();
}

Status Flush(const ApiContext& ctx, const std::string& share) {
  return ctx.flush_share ? ctx.flush_share(share) : Status::Ok();
}

}  // namespace

void AddSnapshotRoutes(http::Router& router, const ApiContext& ctx) {
  AddAdminRoute(router, ctx, "GET", "/api/v1/shares/{name}/snapshots", [&ctx](http::Request& req) {
    auto share = ctx.shares->Get(req.params["name"]);
    if (!share.ok()) return http::Response::Error(share.status());
    // Measured on demand (meta/space_usage.h): linear in the share's block
    // records, so the list costs a scan of them.
    auto space = meta::MeasureShareSpace(*ctx.kv, share->id);
    if (!space.ok()) return http::Response::Error(space.status());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& s : space->snapshots) {
      nlohmann::json j = SnapshotJson(s.info);
      j["exclusive_bytes"] = s.exclusive_bytes;
      list.push_back(std::move(j));
    }
    return http::Response::Json(200, nlohmann::json{{"share", share->name},
                                                    {"live_bytes", space->live_bytes},
                                                    {"snapshot_bytes", space->snapshot_bytes},
                                                    {"snapshots", list}}
                                         .dump());
  });

  AddAdminRoute(router, ctx, "POST", "/api/v1/shares/{name}/snapshots", [&ctx](http::Request& req) {
    auto name = NameFromBody(req);
    if (!name.ok()) return http::Response::Error(name.status());
    auto share = ctx.shares->Get(req.params["name"]);
    if (!share.ok()) return http::Response::Error(share.status());
    if (name->empty()) *name = TimestampName(meta::SystemNowNs());
    if (Status st = meta::ValidateSnapshotName(*name); !st.ok()) return http::Response::Error(st);
    if (Status st = Flush(ctx, share->name); !st.ok()) return http::Response::Error(st);
    auto made = meta::SnapshotStore(*ctx.kv, share->id).Create(*name);
    if (!made.ok()) return http::Response::Error(made.status());
    http::Response resp = http::Response::Json(201, SnapshotJson(*made).dump());
    resp.headers.Set("location", fmt::format("/api/v1/shares/{}/snapshots/{}", share->name, made->name));
    return resp;
  });

  AddAdminRoute(router, ctx, "GET", "/api/v1/shares/{name}/snapshots/{snapshot}",
                [&ctx](http::Request& req) {
                  auto share = ctx.shares->Get(req.params["name"]);
                  if (!share.ok()) return http::Response::Error(share.status());
                  auto snap = meta::SnapshotStore(*ctx.kv, share->id).Get(req.params["snapshot"]);
                  if (!snap.ok()) return http::Response::Error(snap.status());
                  return http::Response::Json(200, SnapshotJson(*snap).dump());
                });

  // The versions only this snapshot held are pruned, and their chunks
  // collected, in the background (vfs/gc/collector.h).
  AddAdminRoute(router, ctx, "DELETE", "/api/v1/shares/{name}/snapshots/{snapshot}",
                [&ctx](http::Request& req) {
                  auto share = ctx.shares->Get(req.params["name"]);
                  if (!share.ok()) return http::Response::Error(share.status());
                  Status st = meta::SnapshotStore(*ctx.kv, share->id).Delete(req.params["snapshot"]);
                  if (!st.ok()) return http::Response::Error(st);
                  return http::Response{204, {}, {}};
                });

  AddAdminRoute(router, ctx, "POST", "/api/v1/shares/{name}/snapshots/{snapshot}/restore",
                [&ctx](http::Request& req) {
                  auto share = ctx.shares->Get(req.params["name"]);
                  if (!share.ok()) return http::Response::Error(share.status());
                  const std::string& snapshot = req.params["snapshot"];
                  if (Status st = Flush(ctx, share->name); !st.ok()) return http::Response::Error(st);
                  const int64_t now = meta::SystemNowNs();
                  auto r = meta::RestoreSnapshot(*ctx.kv, share->id, snapshot,
                                                 "pre-restore-" + FormatTimeNs(now));
                  if (!r.ok()) return http::Response::Error(r.status());
                  nlohmann::json j{{"share", share->name},
                                   {"snapshot", snapshot},
                                   {"safety_snapshot", SnapshotJson(r->safety)},
                                   {"records_restored", r->records_restored}};
                  return http::Response::Json(200, j.dump());
                });
}

}  // namespace nasd::api
