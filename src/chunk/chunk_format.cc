#include "chunk/chunk_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "chunk/checksum.h"

namespace nasd::chunk::format {
namespace {

// Field offsets inside the fixed header (docs/format/chunk.md).
constexpr size_t kOffMagic = 0;
constexpr size_t kOffVersion = 8;
constexpr size_t kOffFlags = 10;
constexpr size_t kOffSegmentSize = 12;
constexpr size_t kOffDataLength = 16;
constexpr size_t kOffSegmentCount = 24;
constexpr size_t kOffHeaderSize = 28;
static_assert(kOffHeaderSize + 4 == kFixedHeaderSize);

template <typename T>
void PutLe(char* out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

template <typename T>
T GetLe(std::string_view in, size_t off) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    v |= static_cast<T>(static_cast<uint8_t>(in[off + i])) << (8 * i);
  }
  return v;
}

uint32_t SegmentsFor(uint64_t data_length, uint32_t segment_size) {
  return static_cast<uint32_t>((data_length + segment_size - 1) / segment_size);
}

}  // namespace

uint64_t Header::segment_length(uint32_t i) const {
  return std::min<uint64_t>(segment_size, data_length - segment_offset(i));
}

uint64_t FrameSizeFor(uint64_t data_length) {
  return Header::HeaderSizeFor(SegmentsFor(data_length, kSegmentSize)) + data_length;
}

std::string EncodeHeader(std::string_view data) {
  const uint32_t segments = SegmentsFor(data.size(), kSegmentSize);
  const uint64_t header_size = Header::HeaderSizeFor(segments);
  std::string out(header_size, '\0');
  std::memcpy(out.data() + kOffMagic, kMagic.data(), kMagic.size());
  PutLe<uint16_t>(&out[kOffVersion], kVersion);
  PutLe<uint16_t>(&out[kOffFlags], 0);
  PutLe<uint32_t>(&out[kOffSegmentSize], kSegmentSize);
  PutLe<uint64_t>(&out[kOffDataLength], data.size());
  PutLe<uint32_t>(&out[kOffSegmentCount], segments);
  PutLe<uint32_t>(&out[kOffHeaderSize], static_cast<uint32_t>(header_size));
  for (uint32_t i = 0; i < segments; ++i) {
    std::string_view seg = data.substr(uint64_t{i} * kSegmentSize, kSegmentSize);
    PutLe<uint32_t>(&out[kFixedHeaderSize + 4 * size_t{i}], Crc32c(seg));
  }
  const size_t crc_at = header_size - 4;
  PutLe<uint32_t>(&out[crc_at], Crc32c(std::string_view(out).substr(0, crc_at)));
  return out;
}

std::string Encode(std::string_view data) {
  std::string out = EncodeHeader(data);
  out.append(data);
  return out;
}

Result<uint64_t> HeaderSize(std::string_view prefix) {
  if (prefix.size() < kFixedHeaderSize) {
    return Corruption(fmt::format("truncated header: {} bytes, need at least {}", prefix.size(),
                                  kFixedHeaderSize));
  }
  if (prefix.substr(kOffMagic, kMagic.size()) != kMagic) {
    return Corruption("bad magic: not a nasd chunk frame");
  }
  const auto version = GetLe<uint16_t>(prefix, kOffVersion);
  if (version != kVersion) {
    return Corruption(
        fmt::format("unsupported format version {} (expected {})", version, kVersion));
  }
  const auto flags = GetLe<uint16_t>(prefix, kOffFlags);
  if (flags != 0) return Corruption(fmt::format("unknown flags 0x{:04x}", flags));
  const auto segment_size = GetLe<uint32_t>(prefix, kOffSegmentSize);
  if (segment_size < kMinSegmentSize || segment_size > kMaxSegmentSize ||
      !std::has_single_bit(segment_size)) {
    return Corruption(fmt::format("invalid segment size {}", segment_size));
  }
  const auto data_length = GetLe<uint64_t>(prefix, kOffDataLength);
  if (data_length > kMaxDataLength) {
    return Corruption(
        fmt::format("data length {} exceeds the maximum {}", data_length, kMaxDataLength));
  }
  const auto segments = GetLe<uint32_t>(prefix, kOffSegmentCount);
  const uint32_t want_segments = SegmentsFor(data_length, segment_size);
  if (segments != want_segments) {
    return Corruption(
        fmt::format("segment count {} does not match data length {} "
                    "(expected {} segments of {} bytes)",
                    segments, data_length, want_segments, segment_size));
  }
  const auto header_size = GetLe<uint32_t>(prefix, kOffHeaderSize);
  if (header_size != Header::HeaderSizeFor(segments)) {
    return Corruption(fmt::format("header size {} does not match {} segments (expected {})",
                                  header_size, segments, Header::HeaderSizeFor(segments)));
  }
  return uint64_t{header_size};
}

Result<Header> DecodeHeader(std::string_view bytes) {
  NASD_ASSIGN_OR_RETURN(const uint64_t header_size, HeaderSize(bytes));
  if (bytes.size() < header_size) {
    return Corruption(
        fmt::format("truncated header: {} bytes, header needs {}", bytes.size(), header_size));
  }
  const size_t crc_at = header_size - 4;
  const auto stored = GetLe<uint32_t>(bytes, crc_at);
  const uint32_t computed = Crc32c(bytes.substr(0, crc_at));
  if (stored != computed) {
    return Corruption(
        fmt::format("header crc mismatch (stored {:08x}, computed {:08x})", stored, computed));
  }
  Header h;
  h.version = GetLe<uint16_t>(bytes, kOffVersion);
  h.flags = GetLe<uint16_t>(bytes, kOffFlags);
  h.segment_size = GetLe<uint32_t>(bytes, kOffSegmentSize);
  h.data_length = GetLe<uint64_t>(bytes, kOffDataLength);
  h.segment_crcs.resize(GetLe<uint32_t>(bytes, kOffSegmentCount));
  for (size_t i = 0; i < h.segment_crcs.size(); ++i) {
    h.segment_crcs[i] = GetLe<uint32_t>(bytes, kFixedHeaderSize + 4 * i);
  }
  return h;
}

SegmentSpan SpanForRange(const Header& h, uint64_t offset, uint64_t length) {
  const uint64_t end = offset + std::min(length, h.data_length - offset);
  SegmentSpan span;
  if (end == offset) {
    span.first = span.end = static_cast<uint32_t>(offset / h.segment_size);
    span.begin = span.limit = offset;
    return span;
  }
  span.first = static_cast<uint32_t>(offset / h.segment_size);
  span.end = static_cast<uint32_t>((end - 1) / h.segment_size + 1);
  span.begin = h.segment_offset(span.first);
  span.limit = std::min(h.data_length, h.segment_offset(span.end));
  return span;
}

Status VerifySegments(const Header& h, uint32_t first, uint32_t end, std::string_view bytes) {
  const uint64_t begin = first < end ? h.segment_offset(first) : 0;
  const uint64_t limit = first < end ? h.segment_offset(end - 1) + h.segment_length(end - 1) : 0;
  if (bytes.size() != limit - begin) {
    return Corruption(fmt::format("truncated data: segments [{}, {}) need {} bytes, got {}", first,
                                  end, limit - begin, bytes.size()));
  }
  for (uint32_t i = first; i < end; ++i) {
    std::string_view seg = bytes.substr(h.segment_offset(i) - begin, h.segment_length(i));
    const uint32_t computed = Crc32c(seg);
    if (computed != h.segment_crcs[i]) {
      return Corruption(fmt::format("segment {} crc mismatch (stored {:08x}, computed {:08x})", i,
                                    h.segment_crcs[i], computed));
    }
  }
  return Status::Ok();
}

Status VerifyFrame(const Header& h, std::string_view frame) {
  if (frame.size() != h.frame_size()) {
    return Corruption(
        fmt::format("object is {} bytes but its header describes {} "
                    "(torn or truncated write)",
                    frame.size(), h.frame_size()));
  }
  return VerifySegments(h, 0, h.segment_count(), frame.substr(h.header_size()));
}

}  // namespace nasd::chunk::format
