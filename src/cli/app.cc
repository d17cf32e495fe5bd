#include "cli/app.h"

#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "common/logging.h"

namespace nasd::cli {

int Fail(int code, std::string_view message) {
  std::fprintf(stderr, "nasd: %.*s\n", static_cast<int>(message.size()), message.data());
  return code;
}

Status ApplyLogFlags(const GlobalOptions& global, const LogConfig& defaults) {
  auto level = log::ParseLevel(global.log_level.empty() ? defaults.level : global.log_level);
  if (!level.ok()) return ConfigInvalid(fmt::format("--log-level: {}", level.status().message()));
  auto format = log::ParseFormat(global.log_format.empty() ? defaults.format : global.log_format);
  if (!format.ok()) return ConfigInvalid(fmt::format("--log-format: {}", format.status().message()));
  log::Configure(*level, *format);
  return Status::Ok();
}

Result<Config> LoadConfigAndLogging(const GlobalOptions& global) {
  NASD_ASSIGN_OR_RETURN(Config config, LoadConfig(global.config_path));
  NASD_RETURN_IF_ERROR(ApplyLogFlags(global, config.log));
  return config;
}

int Main(int argc, char** argv) {
  CLI::App app{
      "nasd: a software-defined NAS. Shares over WebDAV/HTTP, NFSv3, SMB (through Samba)\n"
      "and FUSE; data in content-addressed chunks, metadata in RocksDB.\n\n"
      "Start with `nasd init --storage-path DIR`, then `nasd serve`."};
  app.name("nasd");
  app.require_subcommand(1);
  GlobalOptions global;
  app.add_option("--config", global.config_path, "Config file (default ./config.yaml)");
  app.add_option("--log-level", global.log_level, "debug, info, warn or error (overrides the config)");
  app.add_option("--log-format", global.log_format,
                 "text, or json for one JSON object per line (overrides the config)");

  Runner run;
  AddInitCommand(app, global, run);
  AddServeCommand(app, global, run);
  AddStatusCommand(app, global, run);
  AddShareCommand(app, global, run);
  AddSnapshotCommand(app, global, run);
  AddGcCommand(app, global, run);
  AddMountCommand(app, global, run);
  AddFsckCommand(app, global, run);
  AddUserCommand(app, global, run);
  AddVersionCommand(app, global, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    if (msg.empty()) msg = "invalid arguments";
    return Fail(kExitUsage, fmt::format("{} (see nasd --help)", msg));
  }
  if (!run) return Fail(kExitUsage, "no command given (see nasd --help)");
  return run();
}

}  // namespace nasd::cli
