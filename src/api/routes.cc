#include "api/resources.h"

namespace nasd::api {

void RegisterRoutes(http::Router& router, const ApiContext& ctx) {
  AddHealthRoutes(router, ctx);
  AddStatusRoutes(router, ctx);
  AddShareRoutes(router, ctx);
}

}  // namespace nasd::api
