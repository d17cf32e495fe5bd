// /api/v1/shares: list, create, get and delete shares.
#include <nlohmann/json.hpp>

#include "api/resources.h"
#include "meta/space_usage.h"

namespace nasd::api {
namespace {

nlohmann::json ShareJson(const meta::ShareInfo& s) {
  return {{"name", s.name}, {"id", s.id}, {"created", FormatTimeNs(s.created_ns)}};
}

}  // namespace

Status AddShareSpace(const ApiContext& ctx, uint64_t share_id, nlohmann::json& j) {
  NASD_ASSIGN_OR_RETURN(meta::ShareSpace space, meta::MeasureShareSpace(*ctx.kv, share_id));
  j["live_bytes"] = space.live_bytes;
  j["snapshot_bytes"] = space.snapshot_bytes;
  j["snapshots"] = space.snapshots.size();
  return Status::Ok();
}

void AddShareRoutes(http::Router& router, const ApiContext& ctx) {
  AddAdminRoute(router, ctx, "GET", "/api/v1/shares", [&ctx](http::Request&) {
    auto shares = ctx.shares->List();
    if (!shares.ok()) return http::Response::Error(shares.status());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& s : *shares) {
      nlohmann::json j = ShareJson(s);
      if (Status st = AddShareSpace(ctx, s.id, j); !st.ok()) return http::Response::Error(st);
      list.push_back(std::move(j));
    }
    return http::Response::Json(200, nlohmann::json{{"shares", list}}.dump());
  });

  AddAdminRoute(router, ctx, "POST", "/api/v1/shares", [&ctx](http::Request& req) {
    auto body = ParseJsonObject(req);
    if (!body.ok()) return http::Response::Error(body.status());
    auto name = body->find("name");
    if (name == body->end()) return http::Response::Error(InvalidArgument("field 'name' is required"));
    if (!name->is_string()) return http::Response::Error(InvalidArgument("field 'name' must be a string"));
    for (const auto& [key, value] : body->items()) {
      if (key != "name") return http::Response::Error(InvalidArgument("unknown field '" + key + "'"));
    }
    auto created = ctx.shares->Create(name->get<std::string>());
    if (!created.ok()) return http::Response::Error(created.status());
    AccountsChanged(ctx);
    http::Response resp = http::Response::Json(201, ShareJson(*created).dump());
    resp.headers.Set("location", "/api/v1/shares/" + created->name);
    return resp;
  });

  AddAdminRoute(router, ctx, "GET", "/api/v1/shares/{name}", [&ctx](http::Request& req) {
    auto share = ctx.shares->Get(req.params["name"]);
    if (!share.ok()) return http::Response::Error(share.status());
    auto has = ctx.shares->HasEntries(*share);
    if (!has.ok()) return http::Response::Error(has.status());
    nlohmann::json j = ShareJson(*share);
    j["empty"] = !*has;
    if (Status st = AddShareSpace(ctx, share->id, j); !st.ok()) return http::Response::Error(st);
    return http::Response::Json(200, j.dump());
  });

  AddAdminRoute(router, ctx, "DELETE", "/api/v1/shares/{name}", [&ctx](http::Request& req) {
    auto force = QueryBool(req, "force", false);
    if (!force.ok()) return http::Response::Error(force.status());
    auto share = ctx.shares->Get(req.params["name"]);
    if (!share.ok()) return http::Response::Error(share.status());
    Status st = ctx.shares->Delete(share->name, *force);
    if (!st.ok()) return http::Response::Error(st);
    // SMB unmounts the share first, so that nothing holds it when the
    // adapters close what they have open for it.
    AccountsChanged(ctx);
    if (ctx.share_deleted) ctx.share_deleted(share->id);
    return http::Response{204, {}, {}};
  });
}

}  // namespace nasd::api
