#include "common/units.h"

#include <charconv>
#include <ctime>
#include <limits>

#include <fmt/format.h>

namespace nasd {
namespace {

struct Unit {
  std::string_view suffix;
  uint64_t factor;
};

// Splits "123abc" into 123 and "abc"; fails on a missing or overflowing number.
Result<std::pair<uint64_t, std::string_view>> SplitNumber(std::string_view text,
                                                          std::string_view what) {
  uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc::result_out_of_range) {
    return InvalidArgument(fmt::format("{} '{}' is too large", what, text));
  }
  if (ec != std::errc() || ptr == text.data()) {
    return InvalidArgument(fmt::format("{} '{}' must start with a non-negative whole number", what, text));
  }
  return std::make_pair(n, text.substr(ptr - text.data()));
}

}  // namespace

Result<uint64_t> ParseSize(std::string_view text) {
  static constexpr Unit kUnits[] = {
      {"", 1},           {"B", 1},
      {"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30}, {"TiB", 1ULL << 40},
      {"K", 1ULL << 10},   {"M", 1ULL << 20},   {"G", 1ULL << 30},   {"T", 1ULL << 40},
      {"KB", 1000ULL},     {"MB", 1000ULL * 1000}, {"GB", 1000ULL * 1000 * 1000},
      {"TB", 1000ULL * 1000 * 1000 * 1000},
  };
  NASD_ASSIGN_OR_RETURN(auto split, SplitNumber(text, "size"));
  auto [n, suffix] = split;
  for (const auto& u : kUnits) {
    if (suffix == u.suffix) {
      if (n > std::numeric_limits<uint64_t>::max() / u.factor) {
        return InvalidArgument(fmt::format("size '{}' is too large", text));
      }
      return n * u.factor;
    }
  }
  return InvalidArgument(
      fmt::format("size '{}' has unknown unit '{}' (use B, KiB, MiB, GiB, TiB)", text, suffix));
}

std::string FormatSize(uint64_t bytes) {
  static constexpr Unit kUnits[] = {
      {"TiB", 1ULL << 40}, {"GiB", 1ULL << 30}, {"MiB", 1ULL << 20}, {"KiB", 1ULL << 10}};
  for (const auto& u : kUnits) {
    if (bytes >= u.factor && bytes % u.factor == 0) return fmt::format("{}{}", bytes / u.factor, u.suffix);
  }
  return fmt::format("{}", bytes);
}

std::string FormatBytes(uint64_t bytes) {
  static constexpr std::string_view kNames[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  size_t i = 0;
  while (v >= 1024.0 && i + 1 < std::size(kNames)) {
    v /= 1024.0;
    ++i;
  }
  if (i == 0) return fmt::format("{} B", bytes);
  return fmt::format("{:.1f} {}", v, kNames[i]);
}

std::string ExactBytes(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  return fmt::format("{} B ({})", bytes, FormatBytes(bytes));
}

std::string FormatUtcNs(int64_t unix_ns) {
  std::time_t secs = static_cast<std::time_t>(unix_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, unix_ns % 1'000'000'000);
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  static constexpr Unit kUnits[] = {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}};
  NASD_ASSIGN_OR_RETURN(auto split, SplitNumber(text, "duration"));
  auto [n, suffix] = split;
  for (const auto& u : kUnits) {
    if (suffix == u.suffix) {
      if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / u.factor) {
        return InvalidArgument(fmt::format("duration '{}' is too large", text));
      }
      return std::chrono::milliseconds(static_cast<int64_t>(n * u.factor));
    }
  }
  return InvalidArgument(
      fmt::format("duration '{}' needs a unit: ms, s, m or h (e.g. 10s)", text));
}

std::string FormatDuration(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms % 3'600'000 == 0 && ms != 0) return fmt::format("{}h", ms / 3'600'000);
  if (ms % 60'000 == 0 && ms != 0) return fmt::format("{}m", ms / 60'000);
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}ms", ms);
}

}  // namespace nasd
