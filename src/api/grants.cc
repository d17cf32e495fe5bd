// /api/v1/shares/{name}/grants: which users may use a share, and how.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "api/resources.h"

namespace nasd::api {
namespace {

nlohmann::json GrantJson(std::string_view share, std::string_view user, meta::ShareAccess access) {
  return {{"share", share}, {"user", user}, {"access", meta::ShareAccessName(access)}};
}

// The access named in a PUT body: "read-only" or "read-write" (revoking is DELETE).
Result<meta::ShareAccess> AccessFromBody(const http::Request& req) {
  NASD_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(req));
  for (const auto& [key, value] : body.items()) {
    if (key != "access") return InvalidArgument("unknown field '" + key + "'");
  }
  auto it = body.find("access");
  if (it == body.end()) return InvalidArgument("field 'access' is required");
  if (!it->is_string()) return InvalidArgument("field 'access' must be a string");
  const std::string access = it->get<std::string>();
  if (access != "read-only" && access != "read-write") {
    return InvalidArgument(
        fmt::format("field 'access' must be 'read-only' or 'read-write', not '{}'", access));
  }
  return meta::ParseShareAccess(access);
}

}  // namespace

void AddGrantRoutes(http::Router& router, const ApiContext& ctx) {
  AddAdminRoute(router, ctx, "GET", "/api/v1/shares/{name}/grants", [&ctx](http::Request& req) {
    auto share = ctx.shares->Get(req.params["name"]);
    if (!share.ok()) return http::Response::Error(share.status());
    auto grants = ctx.users->ListGrants(share->id);
    if (!grants.ok()) return http::Response::Error(grants.status());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [user, access] : *grants) {
      list.push_back({{"user", user}, {"access", meta::ShareAccessName(access)}});
    }
    return http::Response::Json(200,
                                nlohmann::json{{"share", share->name}, {"grants", list}}.dump());
  });

  AddAdminRoute(router, ctx, "PUT", "/api/v1/shares/{name}/grants/{user}",
                [&ctx](http::Request& req) {
                  auto access = AccessFromBody(req);
                  if (!access.ok()) return http::Response::Error(access.status());
                  auto share = ctx.shares->Get(req.params["name"]);
                  if (!share.ok()) return http::Response::Error(share.status());
                  const std::string& user = req.params["user"];
                  Status st = ctx.users->Grant(share->id, user, *access);
                  if (!st.ok()) return http::Response::Error(st);
                  AccountsChanged(ctx);
                  return http::Response::Json(200, GrantJson(share->name, user, *access).dump());
                });

  AddAdminRoute(
      router, ctx, "DELETE", "/api/v1/shares/{name}/grants/{user}", [&ctx](http::Request& req) {
        auto share = ctx.shares->Get(req.params["name"]);
        if (!share.ok()) return http::Response::Error(share.status());
        const std::string& user = req.params["user"];
        Status st = ctx.users->Revoke(share->id, user);
        if (!st.ok()) {
          if (st.code() == Code::kNotFound) {
            st = NotFound(fmt::format("user '{}' has no grant on share '{}'", user, share->name));
          }
          return http::Response::Error(st);
        }
        AccountsChanged(ctx);
        return http::Response{204, {}, {}};
      });
}

}  // namespace nasd::api
