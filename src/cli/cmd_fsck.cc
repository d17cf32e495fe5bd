// nasd fsck [--repair] [--verify-data]: checks the volume of a stopped server
// (vfs/fsck/fsck.h). Exit 0 when clean, 1 with a report of every problem.
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/services.h"
#include "vfs/fsck/fsck.h"

namespace nasd::cli {
namespace {

struct FsckFlags {
  bool repair = false;
  bool verify_data = false;
};

int RunFsck(const GlobalOptions& global, const FsckFlags& flags) {
  auto config = LoadConfigAndLogging(global);
  if (!config.ok()) return Fail(kExitUsage, config.status().message());
  // Opening the KV takes its lock: a running server makes this fail, which
  // is what we want (fsck reads a volume nobody is changing).
  auto services = OpenServices(*config);
  if (!services.ok()) return Fail(kExitFailed, services.status().message());
  Services& s = **services;
  auto report = vfs::fsck::Check(*s.kv, *s.chunks,
                                 {.verify_data = flags.verify_data,
                                  .repair_counts = flags.repair,
                                  .move_orphans = flags.repair});
  Status closed = s.Close();
  if (!report.ok()) return Fail(kExitFailed, fmt::format("fsck failed: {}", report.status().ToString()));
  if (!closed.ok()) return Fail(kExitFailed, closed.ToString());
  std::printf("checked %llu share(s), %llu view(s), %llu inode(s), %llu chunk(s)%s\n",
              static_cast<unsigned long long>(report->shares),
              static_cast<unsigned long long>(report->views),
              static_cast<unsigned long long>(report->inodes),
              static_cast<unsigned long long>(report->chunks),
              flags.verify_data ? " (data verified)" : "");
  for (const vfs::fsck::Problem& p : report->problems) {
    std::printf("%-24s %s: %s\n", p.kind.c_str(), p.where.c_str(), p.detail.c_str());
  }
  for (const std::string& m : report->moved) std::printf("moved %s\n", m.c_str());
  if (report->repaired > 0) {
    std::printf("repaired %llu problem(s)\n", static_cast<unsigned long long>(report->repaired));
  }
  if (report->clean()) {
    std::printf("clean\n");
    return kExitOk;
  }
  std::printf("%zu problem(s)\n", report->problems.size());
  return kExitFailed;
}

}  // namespace

void AddFsckCommand(CLI::App& app, const GlobalOptions& global, Runner& run) {
  auto flags = std::make_shared<FsckFlags>();
  auto* sub = app.add_subcommand(
      "fsck", "Check the volume of a stopped server: entries, link counts, orphans, reference counts, chunks.\n"
              "Exit 0 when clean, 1 when problems were found (each is listed with its path).");
  sub->add_flag("--repair", flags->repair, "Rewrite wrong chunk reference counts and move orphan inodes to /lost+found in their share (never deletes data)");
  sub->add_flag("--verify-data", flags->verify_data, "Read every referenced chunk and check its SHA-256");
  sub->callback([&global, &run, flags] { run = [&global, flags] { return RunFsck(global, *flags); }; });
}

}  // namespace nasd::cli
