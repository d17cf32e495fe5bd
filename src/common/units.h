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

// Exact and for people: "4194304 B (4.0 MiB)", "512 B".
std::string ExactBytes(uint64_t bytes);

// RFC 3339 UTC with nanoseconds: "2026-11-26T06:40:01.123456789Z".
std::string FormatUtcNs(int64_t unix_ns);

// Accepts a number followed by ms, s, m or h. Rejects negatives and overflow.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace nasd
