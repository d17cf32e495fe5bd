// The `nasd` command line: parses global options and dispatches to one
// subcommand per file (cmd_*.cc). Exit codes: 0 success, 1 operation failed,
// 2 bad arguments or invalid config (nothing written).
#pragma once

namespace nasd::cli {

int Main(int argc, char** argv);

}  // namespace nasd::cli
