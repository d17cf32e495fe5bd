// The LOCK Timeout header (RFC 4918 10.7): "Infinite" or "Second-N", a
// comma-separated list of which the first is used. Capped at
// kMaxLockTimeout (Infinite included); absent: kMaxLockTimeout.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "common/status.h"

namespace nasd::webdav {

// kInvalidArgument (400) for an unknown form or a number over 2^32-1.
Result<std::chrono::seconds> ParseTimeout(std::optional<std::string_view> header);

}  // namespace nasd::webdav
