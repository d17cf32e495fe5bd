// nasd gc [--dry-run]: runs one pass of the running server's chunk collector
// (POST /api/v1/gc) and prints what it freed, or would free, and what it kept.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "common/units.h"

namespace nasd::cli {
namespace {

Status RunGc(const Config& config, bool dry_run) {
  NASD_ASSIGN_OR_RETURN(ApiReply reply,
                        CallApi(config, "POST", dry_run ? "/api/v1/gc?dry_run=true" : "/api/v1/gc"));
  const auto& r = reply.body;
  if (!r.is_object()) return Internal("server sent an unexpected gc report");
  auto n = [&](const char* key) { return static_cast<unsigned long long>(r.value(key, uint64_t{0})); };
  std::printf("%s\n", dry_run ? "Dry run: nothing was changed." : "Collected.");
  std::printf("snapshot pruning:  %llu share(s) owed a pass; %llu old version(s) dropped, "
              "%llu chunk reference(s) released\n",
              n("shares_pruned"), n("versions_dropped"), n("refs_released"));
  std::printf("unreferenced:      %llu chunk(s) (%llu orphan(s) of uncommitted writes found)\n",
              n("zero_ref_chunks"), n("orphans_found"));
  auto b = [&](const char* key) { return ExactBytes(r.value(key, uint64_t{0})); };
  auto when = [&](const char* key) { return FormatUtcNs(r.value(key, int64_t{0})); };
  std::printf("%-18s %llu chunk(s), %s\n", dry_run ? "would free now:" : "freed:", n("deleted"),
              b("deleted_bytes").c_str());
  std::printf("pending:           %llu chunk(s), %s within the grace period", n("in_grace"),
              b("in_grace_bytes").c_str());
  if (n("in_grace") > 0) {
    std::printf(" (due from %s to %s)", when("next_due_ns").c_str(), when("last_due_ns").c_str());
  }
  std::printf("\n");
  std::printf("kept:              %llu chunk(s), %s being written by open files (pinned); "
              "%llu re-referenced meanwhile, %llu failed to delete\n",
              n("pinned"), b("pinned_bytes").c_str(), n("raced"), n("delete_failed"));
  if (dry_run) {
    std::printf("held by writers:   %s in write-back buffers, not yet stored\n", b("buffered_bytes").c_str());
    const auto& held = r.contains("held_by_snapshots") ? r["held_by_snapshots"] : nlohmann::json::array();
    if (held.empty()) std::printf("held by snapshots: nothing\n");
    for (const auto& h : held) {
      std::printf("held by snapshots: share %s: %s only its snapshots hold (freed if all were deleted)\n",
                  h.value("share", "?").c_str(), ExactBytes(h.value("bytes", uint64_t{0})).c_str());
      for (const auto& s : h["snapshots"]) {
        std::printf("                     snapshot %s alone holds %s\n", s.value("name", "?").c_str(),
                    ExactBytes(s.value("exclusive_bytes", uint64_t{0})).c_str());
      }
    }
  }
  if (dry_run && n("shares_pruned") > 0) {
    std::printf("(chunks that pruning would release are counted only after it ran)\n");
  }
  return Status::Ok();
}

}  // namespace

void AddGcCommand(CLI::App& app, const GlobalOptions& global, Runner& run) {
  auto dry_run = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand(
      "gc", "Run the running server's garbage collector once: prune deleted snapshots, delete "
            "chunks unreferenced for longer than the grace period");
  sub->add_flag("--dry-run", *dry_run, "Only report what would be freed and what is kept");
  sub->callback([&global, &run, dry_run] {
    run = [&global, dry_run] {
      return WithApi(global, [&](const Config& c) { return RunGc(c, *dry_run); });
    };
  });
}

}  // namespace nasd::cli
