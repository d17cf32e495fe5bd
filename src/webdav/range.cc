#include "webdav/range.h"

#include <fmt/format.h>

#include <cctype>

#include "http/message.h"

namespace nasd::webdav {
namespace {

using http::TrimOws;

// Decimal digits only; nullopt-like failure on empty, junk or overflow.
bool ParseU64(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

}  // namespace

Result<RangeRequest> ParseRange(std::string_view header, uint64_t size) {
  RangeRequest out;
  header = TrimOws(header);
  size_t eq = header.find('=');
  if (eq == std::string_view::npos) return InvalidArgument("Range header has no '='");
  if (!IEquals(TrimOws(header.substr(0, eq)), "bytes")) return out;  // unknown unit: ignored
  std::string_view set = header.substr(eq + 1);
  size_t parts = 0;
  bool any = false;
  while (true) {
    size_t comma = set.find(',');
    std::string_view spec = TrimOws(set.substr(0, comma));
    set = comma == std::string_view::npos ? std::string_view() : set.substr(comma + 1);
    if (!spec.empty()) {
      if (++parts > kMaxRanges)
        return InvalidArgument(fmt::format("Range has more than {} parts", kMaxRanges));
      any = true;
      size_t dash = spec.find('-');
      if (dash == std::string_view::npos)
        return InvalidArgument(fmt::format("Range part '{}' has no '-'", spec));
      std::string_view first = TrimOws(spec.substr(0, dash));
      std::string_view last = TrimOws(spec.substr(dash + 1));
      uint64_t a = 0;
      uint64_t b = 0;
      if (first.empty()) {  // suffix: the last b bytes
        if (!ParseU64(last, b)) return InvalidArgument(fmt::format("bad suffix range '{}'", spec));
        if (b > 0 && size > 0) {
          uint64_t len = b < size ? b : size;
          out.ranges.push_back({size - len, len});
        }
      } else {
        if (!ParseU64(first, a))
          return InvalidArgument(fmt::format("bad range start in '{}'", spec));
        if (last.empty()) {
          b = UINT64_MAX;
        } else if (!ParseU64(last, b) || b < a) {
          return InvalidArgument(fmt::format("bad range end in '{}'", spec));
        }
        if (a < size) {
          uint64_t end = b < size - 1 ? b : size - 1;
          out.ranges.push_back({a, end - a + 1});
        }
      }
    }
    if (comma == std::string_view::npos) break;
  }
  if (!any) return InvalidArgument("Range has no byte ranges");
  out.kind = out.ranges.empty() ? RangeRequest::Kind::kUnsatisfiable : RangeRequest::Kind::kRanges;
  return out;
}

}  // namespace nasd::webdav
