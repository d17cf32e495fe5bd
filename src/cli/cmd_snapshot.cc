// nasd snapshot create|list|delete|restore: a share's snapshots, through the
// running server's management API (/api/v1/shares/{share}/snapshots).
#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "common/units.h"
#include "meta/share_store.h"
#include "meta/snapshot_record.h"
#include "meta/snapshot_schedule.h"

namespace nasd::cli {
namespace {

struct SnapshotOptions {
  std::string share;
  std::string name;
};

std::string Collection(const std::string& share) { return "/api/v1/shares/" + share + "/snapshots"; }

Status Create(const Config& config, const SnapshotOptions& o) {
  NASD_RETURN_IF_ERROR(meta::ValidateShareName(o.share));
  if (!o.name.empty()) NASD_RETURN_IF_ERROR(meta::ValidateSnapshotName(o.name));
  nlohmann::json body = nlohmann::json::object();
  if (!o.name.empty()) body["name"] = o.name;
  NASD_ASSIGN_OR_RETURN(ApiReply reply, CallApi(config, "POST", Collection(o.share), &body));
  std::printf("Created snapshot %s of share %s\n", reply.body.value("name", o.name).c_str(),
              o.share.c_str());
  return Status::Ok();
}

Status List(const Config& config, const SnapshotOptions& o) {
  NASD_RETURN_IF_ERROR(meta::ValidateShareName(o.share));
  NASD_ASSIGN_OR_RETURN(ApiReply reply, CallApi(config, "GET", Collection(o.share)));
  if (!reply.body.is_object() || !reply.body["snapshots"].is_array()) {
    return Internal("server sent an unexpected snapshot list");
  }
  if (reply.body["snapshots"].empty()) {
    std::printf("Share %s has no snapshots. Take one with: nasd snapshot create %s [NAME]\n",
                o.share.c_str(), o.share.c_str());
    return Status::Ok();
  }
  std::printf("%-40s %-32s %s\n", "NAME", "CREATED", "HELD ONLY BY IT (freed if deleted)");
  for (const auto& s : reply.body["snapshots"]) {
    std::printf("%-40s %-32s %s\n", s.value("name", "?").c_str(), s.value("created", "?").c_str(),
                ExactBytes(s.value("exclusive_bytes", uint64_t{0})).c_str());
  }
  std::printf("live data: %s; held only by snapshots: %s\n",
              ExactBytes(reply.body.value("live_bytes", uint64_t{0})).c_str(),
              ExactBytes(reply.body.value("snapshot_bytes", uint64_t{0})).c_str());
  return Status::Ok();
}

Status Delete(const Config& config, const SnapshotOptions& o) {
  NASD_RETURN_IF_ERROR(meta::ValidateShareName(o.share));
  NASD_RETURN_IF_ERROR(meta::ValidateSnapshotName(o.name));
  NASD_ASSIGN_OR_RETURN(ApiReply reply, CallApi(config, "DELETE", Collection(o.share) + "/" + o.name));
  (void)reply;
  std::printf("Deleted snapshot %s of share %s (its space is freed in the background)\n",
              o.name.c_str(), o.share.c_str());
  return Status::Ok();
}

Status Restore(const Config& config, const SnapshotOptions& o) {
  NASD_RETURN_IF_ERROR(meta::ValidateShareName(o.share));
  NASD_RETURN_IF_ERROR(meta::ValidateSnapshotName(o.name));
  NASD_ASSIGN_OR_RETURN(ApiReply reply,
                        CallApi(config, "POST", Collection(o.share) + "/" + o.name + "/restore"));
  std::string safety = "?";
  if (reply.body.is_object() && reply.body["safety_snapshot"].is_object()) {
    safety = reply.body["safety_snapshot"].value("name", "?");
  }
  std::printf("Restored share %s to snapshot %s; what was live is kept as snapshot %s\n",
              o.share.c_str(), o.name.c_str(), safety.c_str());
  return Status::Ok();
}

struct ScheduleOptions {
  std::string share;
  std::vector<std::string> specs;
  bool clear = false;
};

// Replaces the share's schedules with specs (or clears them), or shows them.
Status Schedule(const Config& config, const ScheduleOptions& o) {
  NASD_RETURN_IF_ERROR(meta::ValidateShareName(o.share));
  const std::string target = "/api/v1/shares/" + o.share + "/snapshot-schedules";
  ApiReply reply;
  if (o.clear || !o.specs.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const std::string& spec : o.specs) {
      NASD_RETURN_IF_ERROR(meta::ParseSchedule(spec).status());
      list.push_back(spec);
    }
    nlohmann::json body{{"schedules", list}};
    NASD_ASSIGN_OR_RETURN(reply, CallApi(config, "PUT", target, &body));
  } else {
    NASD_ASSIGN_OR_RETURN(reply, CallApi(config, "GET", target));
  }
  if (!reply.body.is_object() || !reply.body["schedules"].is_array()) {
    return Internal("server sent an unexpected schedule list");
  }
  if (reply.body["schedules"].empty()) {
    std::printf("Share %s takes no scheduled snapshots. Add some with: nasd snapshot schedule %s "
                "hourly:1h:24 daily:1d:7 weekly:1w:4\n",
                o.share.c_str(), o.share.c_str());
    return Status::Ok();
  }
  std::printf("Share %s takes snapshots (LABEL:EVERY:KEEP):\n", o.share.c_str());
  for (const auto& s : reply.body["schedules"]) std::printf("  %s\n", s.get<std::string>().c_str());
  return Status::Ok();
}

// Registers one subcommand whose positional arguments fill opts.
CLI::App* Sub(CLI::App& parent, const GlobalOptions& global, Runner& run, const char* name,
              const char* help, bool name_required,
              Status (*fn)(const Config&, const SnapshotOptions&)) {
  auto opts = std::make_shared<SnapshotOptions>();
  auto* sub = parent.add_subcommand(name, help);
  sub->add_option("SHARE", opts->share, "Share name")->required();
  auto* n = sub->add_option("NAME", opts->name, "Snapshot name");
  if (name_required) n->required();
  sub->callback([&global, &run, opts, fn] {
    run = [&global, opts, fn] {
      return WithApi(global, [&](const Config& c) { return fn(c, *opts); });
    };
  });
  return sub;
}

}  // namespace

void AddSnapshotCommand(CLI::App& app, const GlobalOptions& global, Runner& run) {
  auto* snapshot = app.add_subcommand(
      "snapshot", "Take, list, delete and restore read-only snapshots of a share (seen inside it as /.snapshots/NAME/)");
  snapshot->require_subcommand(1);
  Sub(*snapshot, global, run, "create",
      "Take a snapshot (NAME: 1-64 of A-Z a-z 0-9 . _ : -; default: the UTC time)", false, Create);
  Sub(*snapshot, global, run, "list", "List a share's snapshots, oldest first", false, List);
  Sub(*snapshot, global, run, "delete", "Delete a snapshot; its space is freed in the background",
      true, Delete);
  auto sched = std::make_shared<ScheduleOptions>();
  auto* schedule = snapshot->add_subcommand(
      "schedule",
      "Show or set a share's scheduled snapshots: LABEL:EVERY:KEEP, e.g. hourly:1h:24 daily:1d:7\n"
      "weekly:1w:4 (EVERY: m, h, d or w). Snapshots are named LABEL-<UTC time>; the oldest beyond\n"
      "KEEP are deleted. Replaces the list; --clear removes it.");
  schedule->add_option("SHARE", sched->share, "Share name")->required();
  schedule->add_option("SCHEDULE", sched->specs, "LABEL:EVERY:KEEP");
  schedule->add_flag("--clear", sched->clear, "Stop taking scheduled snapshots");
  schedule->callback([&global, &run, sched] {
    run = [&global, sched] {
      return WithApi(global, [&](const Config& c) { return Schedule(c, *sched); });
    };
  });
  Sub(*snapshot, global, run, "restore",
      "Roll the share back to a snapshot, after taking a safety snapshot of what is live", true,
      Restore);
}

}  // namespace nasd::cli
