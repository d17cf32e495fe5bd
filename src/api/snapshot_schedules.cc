// /api/v1/shares/{name}/snapshot-schedules: a share's scheduled snapshots
// (meta/snapshot_schedule.h), as {"schedules": ["hourly:1h:24", ...]}. PUT
// replaces the list (an empty list stops scheduling); the server's scheduler
// applies it at its next check.
#include <nlohmann/json.hpp>

#include "api/resources.h"
#include "meta/snapshot_schedule.h"

namespace nasd::api {
namespace {

Result<std::vector<meta::SnapshotSchedule>> SchedulesFromBody(const http::Request& req) {
  NASD_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(req));
  for (const auto& [key, value] : body.items()) {
    if (key != "schedules") return InvalidArgument("unknown field '" + key + "'");
  }
  auto it = body.find("schedules");
  if (it == body.end() || !it->is_array()) return InvalidArgument("field 'schedules' must be an array");
  std::vector<meta::SnapshotSchedule> out;
  for (const auto& item : *it) {
    if (!item.is_string()) return InvalidArgument("each schedule must be a string LABEL:EVERY:KEEP");
    NASD_ASSIGN_OR_RETURN(meta::SnapshotSchedule s, meta::ParseSchedule(item.get<std::string>()));
    out.push_back(std::move(s));
  }
  NASD_RETURN_IF_ERROR(meta::ValidateSchedules(out));
  return out;
}

http::Response SchedulesJson(const std::string& share, const std::vector<meta::SnapshotSchedule>& list) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& s : list) j.push_back(meta::FormatSchedule(s));
  return http::Response::Json(200, nlohmann::json{{"share", share}, {"schedules", j}}.dump());
}

}  // namespace

void AddSnapshotScheduleRoutes(http::Router& router, const ApiContext& ctx) {
  AddAdminRoute(router, ctx, "GET", "/api/v1/shares/{name}/snapshot-schedules", [&ctx](http::Request& req) {
    auto share = ctx.shares->Get(req.params["name"]);
    if (!share.ok()) return http::Response::Error(share.status());
    auto list = meta::GetSchedules(*ctx.kv, share->id);
    if (!list.ok()) return http::Response::Error(list.status());
    return SchedulesJson(share->name, *list);
  });

  AddAdminRoute(router, ctx, "PUT", "/api/v1/shares/{name}/snapshot-schedules", [&ctx](http::Request& req) {
    auto list = SchedulesFromBody(req);
    if (!list.ok()) return http::Response::Error(list.status());
    auto share = ctx.shares->Get(req.params["name"]);
    if (!share.ok()) return http::Response::Error(share.status());
    if (Status st = meta::PutSchedules(*ctx.kv, share->id, *list); !st.ok()) return http::Response::Error(st);
    return SchedulesJson(share->name, *list);
  });
}

}  // namespace nasd::api
