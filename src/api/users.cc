// /api/v1/users: list, add, show and delete users, and set a user's password.
// Passwords and their hashes never appear in a response (or a log line).
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "api/resources.h"

namespace nasd::api {
namespace {

nlohmann::json UserJson(const meta::UserRecord& u) {
  return {
      {"name", u.name}, {"uid", u.uid}, {"gid", u.gid}, {"created", FormatTimeNs(u.created_ns)}};
}

Status OnlyFields(const nlohmann::json& body, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return InvalidArgument("unknown field '" + key + "'");
    }
  }
  return Status::Ok();
}

Result<std::string> RequiredString(const nlohmann::json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end()) return InvalidArgument(fmt::format("field '{}' is required", field));
  if (!it->is_string()) return InvalidArgument(fmt::format("field '{}' must be a string", field));
  return it->get<std::string>();
}

// An absent or null field is nullopt; the store refuses 0 and 2^32-1.
Result<std::optional<uint32_t>> OptionalId(const nlohmann::json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<uint32_t>();
  if (!it->is_number_unsigned() || it->get<uint64_t>() > std::numeric_limits<uint32_t>::max()) {
    return InvalidArgument(
        fmt::format("field '{}' must be an integer from 1 to 4294967294", field));
  }
  return std::optional<uint32_t>(it->get<uint32_t>());
}

http::Response CreateUser(const ApiContext& ctx, http::Request& req) {
  auto body = ParseJsonObject(req);
  if (!body.ok()) return http::Response::Error(body.status());
  if (Status st = OnlyFields(*body, {"name", "password", "uid", "gid"}); !st.ok())
    return http::Response::Error(st);
  auto name = RequiredString(*body, "name");
  if (!name.ok()) return http::Response::Error(name.status());
  auto password = RequiredString(*body, "password");
  if (!password.ok()) return http::Response::Error(password.status());
  auto uid = OptionalId(*body, "uid");
  if (!uid.ok()) return http::Response::Error(uid.status());
  auto gid = OptionalId(*body, "gid");
  if (!gid.ok()) return http::Response::Error(gid.status());
  auto created = ctx.users->Create(*name, *password, *uid, *gid);
  if (!created.ok()) return http::Response::Error(created.status());
  AccountsChanged(ctx);
  http::Response resp = http::Response::Json(201, UserJson(*created).dump());
  resp.headers.Set("location", "/api/v1/users/" + created->name);
  return resp;
}

}  // namespace

void AddUserRoutes(http::Router& router, const ApiContext& ctx) {
  AddAdminRoute(router, ctx, "GET", "/api/v1/users", [&ctx](http::Request&) {
    auto users = ctx.users->List();
    if (!users.ok()) return http::Response::Error(users.status());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& u : *users) list.push_back(UserJson(u));
    return http::Response::Json(200, nlohmann::json{{"users", list}}.dump());
  });

  AddAdminRoute(router, ctx, "POST", "/api/v1/users",
                [&ctx](http::Request& req) { return CreateUser(ctx, req); });

  AddAdminRoute(router, ctx, "GET", "/api/v1/users/{name}", [&ctx](http::Request& req) {
    const std::string& name = req.params["name"];
    auto user = ctx.users->Get(name);
    if (!user.ok()) return http::Response::Error(user.status());
    if (!*user)
      return http::Response::Error(NotFound(fmt::format("user '{}' does not exist", name)));
    return http::Response::Json(200, UserJson(**user).dump());
  });

  AddAdminRoute(router, ctx, "DELETE", "/api/v1/users/{name}", [&ctx](http::Request& req) {
    Status st = ctx.users->Delete(req.params["name"]);
    if (!st.ok()) return http::Response::Error(st);
    AccountsChanged(ctx);
    return http::Response{204, {}, {}};
  });

  AddAdminRoute(router, ctx, "PUT", "/api/v1/users/{name}/password", [&ctx](http::Request& req) {
    auto body = ParseJsonObject(req);
    if (!body.ok()) return http::Response::Error(body.status());
    if (Status st = OnlyFields(*body, {"password"}); !st.ok()) return http::Response::Error(st);
    auto password = RequiredString(*body, "password");
    if (!password.ok()) return http::Response::Error(password.status());
    Status st = ctx.users->SetPassword(req.params["name"], *password);
    if (!st.ok()) return http::Response::Error(st);
    AccountsChanged(ctx);
    return http::Response{204, {}, {}};
  });
}

}  // namespace nasd::api
