#include "api/resources.h"

namespace nasd::api {

void RegisterRoutes(http::Router& router, const ApiContext& ctx) {
  AddHealthRoutes(router, ctx);
  AddStatusRoutes(router, ctx);
  AddShareRoutes(router, ctx);
  AddUserRoutes(router, ctx);
  AddGrantRoutes(router, ctx);
  AddSnapshotRoutes(router, ctx);
  AddSnapshotScheduleRoutes(router, ctx);
  AddGcRoutes(router, ctx);
}

void AddAdminRoute(http::Router& router, const ApiContext& ctx, std::string method,
                   std::string pattern, http::Handler handler) {
  http::RouteOptions opts;
  opts.requires_auth = true;
  opts.max_body_bytes = ctx.max_api_body;
  router.Add(
      std::move(method), std::move(pattern),
      [handler = std::move(handler)](http::Request& req) {
        if (!req.admin) {
          return http::Response::Error(
              PermissionDenied("the management API needs the admin token"));
        }
        return handler(req);
      },
      opts);
}

}  // namespace nasd::api
