// Internal to cli/: the global options and one registration function per
// subcommand (one file each). A subcommand's callback stores the work to do
// in `run`; Main() runs it after parsing succeeded, so a parse error never
// leaves half-done work behind.
#pragma once

#include <functional>
#include <string>

#include "common/config.h"
#include "common/status.h"

namespace CLI {
class App;
}

namespace nasd::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;  // bad arguments or invalid config; nothing written

struct GlobalOptions {
  std::string config_path = "./config.yaml";
  std::string log_level;   // empty: from config (or info)
  std::string log_format;  // empty: from config (or text)
};

using Runner = std::function<int()>;

void AddInitCommand(CLI::App& app, const GlobalOptions& global, Runner& run);
void AddServeCommand(CLI::App& app, const GlobalOptions& global, Runner& run);
void AddStatusCommand(CLI::App& app, const GlobalOptions& global, Runner& run);
void AddShareCommand(CLI::App& app, const GlobalOptions& global, Runner& run);
void AddSnapshotCommand(CLI::App& app, const GlobalOptions& global, Runner& run);
void AddGcCommand(CLI::App& app, const GlobalOptions& global, Runner& run);
void AddMountCommand(CLI::App& app, const GlobalOptions& global, Runner& run);
void AddFsckCommand(CLI::App& app, const GlobalOptions& global, Runner& run);
void AddUserCommand(CLI::App& app, const GlobalOptions& global, Runner& run);
void AddVersionCommand(CLI::App& app, const GlobalOptions& global, Runner& run);

// Prints "nasd: <message>" to stderr and returns code.
int Fail(int code, std::string_view message);

// Loads the config named by the global options and applies logging options
// (flags override the file). Returns kExitUsage-worthy errors as kConfigInvalid.
Result<Config> LoadConfigAndLogging(const GlobalOptions& global);
// Applies logging flags when there is no config (init, version).
Status ApplyLogFlags(const GlobalOptions& global, const LogConfig& defaults);

}  // namespace nasd::cli
