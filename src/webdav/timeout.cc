#include "webdav/timeout.h"

#include <fmt/format.h>

#include <algorithm>

#include "webdav/lock_table.h"

namespace nasd::webdav {

Result<std::chrono::seconds> ParseTimeout(std::optional<std::string_view> header) {
  if (!header) return kMaxLockTimeout;
  std::string_view h = *header;
  size_t comma = h.find(',');
  std::string_view first = h.substr(0, comma);
  while (!first.empty() && (first.front() == ' ' || first.front() == '\t')) first.remove_prefix(1);
  while (!first.empty() && (first.back() == ' ' || first.back() == '\t')) first.remove_suffix(1);
  if (first == "Infinite") return kMaxLockTimeout;
  constexpr std::string_view kSecond = "Second-";
  if (!first.starts_with(kSecond))
    return InvalidArgument(fmt::format("Timeout '{}' is not Infinite or Second-N", first));
  std::string_view digits = first.substr(kSecond.size());
  if (digits.empty() || digits.size() > 10)
    return InvalidArgument("Timeout Second-N needs 1 to 10 digits");
  uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return InvalidArgument("Timeout Second-N needs a number");
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n > UINT32_MAX) return InvalidArgument("Timeout Second-N is above 2^32-1");
  return std::clamp(std::chrono::seconds(n), std::chrono::seconds(1), kMaxLockTimeout);
}

}  // namespace nasd::webdav
