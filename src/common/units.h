// Parsing and printing of human sizes ("4MiB", "64KiB", "1048576") and
// durations ("10s", "250ms", "2m"). Used by the config loader and the CLI.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace nasd {

// Accepts a plain byte count or a number with B, KiB, MiB, GiB, TiB (binary)
// or KB, MB, GB, TB (decimal). Rejects negatives, fractions and overflow.
Result<uint64_t> ParseSize(std::string_view text);
// "4MiB" for 4194304; exact binary units when possible, else bytes.
std::string FormatSize(uint64_t bytes);
// Approximate, for people: "53.1 GiB", "512 B".
std::string FormatBytes(uint64_t bytes);

// Accepts a number followed by ms, s, m or h. Rejects negatives and overflow.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace nasd
