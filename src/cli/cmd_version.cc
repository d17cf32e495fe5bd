#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/build_info.h"
#include "cli/commands.h"

namespace nasd::cli {

void AddVersionCommand(CLI::App& app, const GlobalOptions&, Runner& run) {
  auto* sub = app.add_subcommand("version", "Print the version, git commit and build time");
  sub->callback([&run] {
    run = [] {
      std::printf("nasd %s (commit %s, built %s, %s)\n", build::kVersion, build::kGitCommit,
                  build::kBuildTime, build::kBuildType);
      return kExitOk;
    };
  });
}

}  // namespace nasd::cli
