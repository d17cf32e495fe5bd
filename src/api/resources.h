// Internal to api/: one function per resource file, and shared helpers for
// JSON request bodies and representations.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "api/api.h"
#include "http/message.h"

namespace nasd::api {

void AddHealthRoutes(http::Router& router, const ApiContext& ctx);
void AddStatusRoutes(http::Router& router, const ApiContext& ctx);
void AddShareRoutes(http::Router& router, const ApiContext& ctx);
void AddUserRoutes(http::Router& router, const ApiContext& ctx);
void AddGrantRoutes(http::Router& router, const ApiContext& ctx);
void AddSnapshotRoutes(http::Router& router, const ApiContext& ctx);
void AddSnapshotScheduleRoutes(http::Router& router, const ApiContext& ctx);
void AddGcRoutes(http::Router& router, const ApiContext& ctx);

// Adds a management route: authentication required, ctx.max_api_body, and
// 403 unless the authenticator marked the request admin (a user's Basic
// login, good for WebDAV, never reaches the management API).
void AddAdminRoute(http::Router& router, const ApiContext& ctx, std::string method,
                   std::string pattern, http::Handler handler);

// Parses the request body as a JSON object; kInvalidArgument with a precise
// message for empty, malformed, non-object or too deeply nested (over 32
// levels) bodies, or a wrong content type.
Result<nlohmann::json> ParseJsonObject(const http::Request& req);

// Calls ctx.accounts_changed, if any (after a user, grant or share change).
inline void AccountsChanged(const ApiContext& ctx) {
  if (ctx.accounts_changed) ctx.accounts_changed();
}

// "2026-11-26T06:40:01.123456789Z"
std::string FormatTimeNs(int64_t unix_ns);

// A share's space (meta/space_usage.h), measured now: {"live_bytes",
// "snapshot_bytes", "snapshots"} merged into j. Linear in the share's block
// records; see there.
Status AddShareSpace(const ApiContext& ctx, uint64_t share_id, nlohmann::json& j);

// Parses an optional boolean query parameter ("true"/"false"/"1"/"0").
Result<bool> QueryBool(const http::Request& req, const std::string& name, bool fallback);

}  // namespace nasd::api
