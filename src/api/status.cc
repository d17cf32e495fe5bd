// GET /api/v1/status: what an operator checks first.
#include <nlohmann/json.hpp>

#include "api/resources.h"
#include "common/fs_info.h"

namespace nasd::api {

void AddStatusRoutes(http::Router& router, const ApiContext& ctx) {
  AddAdminRoute(router, ctx, "GET", "/api/v1/status", [&ctx](http::Request&) {
    auto shares = ctx.shares->List();
    if (!shares.ok()) return http::Response::Error(shares.status());
    chunk::ChunkUsage usage = ctx.chunks->Usage();
    nlohmann::json storage{{"path", ctx.storage_path},
                           {"backend", ctx.backend},
                           {"block_size", ctx.volume.block_size},
                           {"chunks", usage.chunks},
                           {"chunk_bytes", usage.bytes},
                           {"chunks_counted", usage.exact}};
    if (auto fs = StatFs(ctx.storage_path); fs.ok()) {
      storage["filesystem"] = fs->type;
      storage["free_bytes"] = fs->free_bytes;
      storage["total_bytes"] = fs->total_bytes;
    }
    auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.started).count();
    // Each share's space, measured now (linear in its block records).
    nlohmann::json share_usage = nlohmann::json::array();
    for (const meta::ShareInfo& share : *shares) {
      nlohmann::json j{{"name", share.name}};
      if (Status st = AddShareSpace(ctx, share.id, j); !st.ok()) return http::Response::Error(st);
      share_usage.push_back(std::move(j));
    }
    nlohmann::json body{{"version", ctx.build.version},
                        {"volume_id", ctx.volume.volume_id},
                        {"uptime_seconds", uptime},
                        {"shares", shares->size()},
                        {"share_usage", share_usage},
                        {"storage", storage}};
    if (ctx.services) {
      for (const ServiceReport& s : ctx.services()) {
        body[s.name] = nlohmann::json::parse(s.json, nullptr, /*allow_exceptions=*/false);
      }
    }
    return http::Response::Json(200, body.dump());
  });
}

}  // namespace nasd::api
