// The Range request header (RFC 9110 14.2), bytes unit only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace nasd::webdav {

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;  // >= 1
};

inline constexpr size_t kMaxRanges = 64;

struct RangeRequest {
  enum class Kind {
    kWhole,          // no Range, or one the server ignores (another unit)
    kRanges,         // ranges holds the satisfiable parts, in request order
    kUnsatisfiable,  // 416 with Content-Range: bytes */size
  };
  Kind kind = Kind::kWhole;
  std::vector<ByteRange> ranges;
};

// Parses header against a representation of size bytes. Unsatisfiable specs
// are dropped; if none is left the request is kUnsatisfiable. A malformed
// bytes range set, or one with more than kMaxRanges parts, is
// kInvalidArgument (400) with a precise message.
Result<RangeRequest> ParseRange(std::string_view header, uint64_t size);

}  // namespace nasd::webdav
