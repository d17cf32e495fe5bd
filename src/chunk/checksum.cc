#include "chunk/checksum.h"

#include <isa-l/crc.h>

#include <algorithm>
#include <climits>

namespace nasd::chunk {

uint32_t Crc32c(std::string_view data, uint32_t seed) {
  // crc32_iscsi neither pre- nor post-inverts, so the raw register chains
  // across calls; the standard inversion is applied once around the loop.
  uint32_t crc = ~seed;
  // ISA-L takes a non-const pointer but never writes through it.
  auto* p = reinterpret_cast<unsigned char*>(const_cast<char*>(data.data()));
  size_t left = data.size();
  constexpr size_t kMaxPiece = size_t{1} << 30;  // < INT_MAX
  static_assert(kMaxPiece <= INT_MAX);
  while (left > 0) {
    size_t n = std::min(left, kMaxPiece);
    crc = crc32_iscsi(p, static_cast<int>(n), crc);
    p += n;
    left -= n;
  }
  return ~crc;
}

}  // namespace nasd::chunk
