#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "common/units.h"

namespace nasd::cli {
namespace {

Status PrintStatus(const Config& config) {
  NASD_ASSIGN_OR_RETURN(ApiReply reply, CallApi(config, "GET", "/api/v1/status"));
  const auto& b = reply.body;
  if (!b.is_object() || !b.contains("storage")) return Internal("server sent an unexpected status reply");
  const auto& s = b["storage"];
  std::printf("nasd %s, up %.0f s\n", b.value("version", "?").c_str(), b.value("uptime_seconds", 0.0));
  std::printf("volume:   %s\n", b.value("volume_id", "?").c_str());
  std::printf("storage:  %s (%s", s.value("path", "?").c_str(), s.value("backend", "?").c_str());
  if (s.contains("filesystem")) {
    std::printf(" on %s, %s free", s.value("filesystem", "?").c_str(),
                FormatBytes(s.value("free_bytes", uint64_t{0})).c_str());
  }
  std::printf(")\n");
  std::printf("chunks:   %llu (%s), block size %s\n",
              static_cast<unsigned long long>(s.value("chunks", uint64_t{0})),
              FormatBytes(s.value("chunk_bytes", uint64_t{0})).c_str(),
              FormatSize(s.value("block_size", uint64_t{0})).c_str());
  std::printf("shares:   %llu\n", static_cast<unsigned long long>(b.value("shares", uint64_t{0})));
  if (b.contains("share_usage") && b["share_usage"].is_array()) {
    for (const auto& u : b["share_usage"]) {
      std::printf("  %-24s live %s, held only by %llu snapshot(s) %s\n", u.value("name", "?").c_str(),
                  ExactBytes(u.value("live_bytes", uint64_t{0})).c_str(),
                  static_cast<unsigned long long>(u.value("snapshots", uint64_t{0})),
                  ExactBytes(u.value("snapshot_bytes", uint64_t{0})).c_str());
    }
  }
  if (b.contains("smb") && b["smb"].is_object()) {
    const auto& smb = b["smb"];
    std::printf("smb:      smbd %s", smb.value("state", "?").c_str());
    if (smb.value("pid", 0) > 0) std::printf(" (pid %d)", smb.value("pid", 0));
    std::printf(", %llu restarts, on %s", static_cast<unsigned long long>(smb.value("restarts", uint64_t{0})),
                smb.value("listen", "?").c_str());
    if (smb.contains("last_exit")) std::printf(", last exit: %s", smb.value("last_exit", "?").c_str());
    std::printf("\n");
    for (const auto& sh : smb.value("shares", nlohmann::json::array())) {
      std::printf("          [%s] share %s: %s\n", sh.value("name", "?").c_str(), sh.value("share", "?").c_str(),
                  sh.value("mounted", false) ? "mounted" : sh.value("problem", "not mounted").c_str());
    }
  }
  return Status::Ok();
}

}  // namespace

void AddStatusCommand(CLI::App& app, const GlobalOptions& global, Runner& run) {
  auto* sub = app.add_subcommand("status", "Show the running server's volume, storage and share count");
  sub->callback([&global, &run] { run = [&global] { return WithApi(global, PrintStatus); }; });
}

}  // namespace nasd::cli
