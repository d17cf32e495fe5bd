// The chunk frame: how a chunk's bytes are laid out inside a backend object.
//
//   [fixed header 32 B][segment crc32c x N][header crc32c][data]
//
// Data is cut into fixed-size segments (64 KiB) and each segment carries its
// own crc32c, so a range read verifies only the segments it touches. The
// header protects itself with a trailing crc32c. All integers little-endian.
// The exact layout is documented in docs/format/chunk.md; change both together.
//
// Decoding never trusts the input: every length is bounded before it is used
// for an allocation or an offset, and every inconsistency is kCorruption with
// a message naming the field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace nasd::chunk::format {

inline constexpr std::string_view kMagic = "NASDCHK1";
inline constexpr uint16_t kVersion = 1;
inline constexpr uint32_t kSegmentSize = 64 * 1024;
// Segment sizes a decoder accepts: powers of two in this range.
inline constexpr uint32_t kMinSegmentSize = 4 * 1024;
inline constexpr uint32_t kMaxSegmentSize = 64 * 1024 * 1024;
// Largest data section a frame may describe (== ChunkStore::kMaxChunkSize).
inline constexpr uint64_t kMaxDataLength = 64ULL << 20;
// Bytes before the segment crc table.
inline constexpr size_t kFixedHeaderSize = 32;
// Header size for the largest legal frame (smallest segments, longest data).
inline constexpr size_t kMaxHeaderSize =
    kFixedHeaderSize + 4 * (kMaxDataLength / kMinSegmentSize) + 4;

struct Header {
  uint16_t version = kVersion;
  uint16_t flags = 0;
  uint32_t segment_size = kSegmentSize;
  uint64_t data_length = 0;
  std::vector<uint32_t> segment_crcs;  // one per segment, in order

  uint32_t segment_count() const { return static_cast<uint32_t>(segment_crcs.size()); }
  // Size of the encoded header; the data starts at this offset.
  uint64_t header_size() const { return HeaderSizeFor(segment_count()); }
  // header_size() + data_length: the exact size of a complete object.
  uint64_t frame_size() const { return header_size() + data_length; }
  // Data offset and length of segment i (REQUIRES: i < segment_count()).
  uint64_t segment_offset(uint32_t i) const { return uint64_t{i} * segment_size; }
  uint64_t segment_length(uint32_t i) const;

  static uint64_t HeaderSizeFor(uint32_t segments) {
    return kFixedHeaderSize + 4 * uint64_t{segments} + 4;
  }
};

// Size of the frame Encode() produces for data_length bytes of data.
uint64_t FrameSizeFor(uint64_t data_length);

// The header of data, then the whole frame (header followed by data).
std::string EncodeHeader(std::string_view data);
std::string Encode(std::string_view data);

// Reads the fixed 32-byte prefix and returns the full header size it implies,
// after checking magic, version, flags, segment size, data length and
// segment count. kCorruption if prefix is shorter than kFixedHeaderSize or
// any field is invalid. The result is at most kMaxHeaderSize.
Result<uint64_t> HeaderSize(std::string_view prefix);

// Decodes a full header from the start of bytes (trailing bytes, e.g. data,
// are ignored). kCorruption on any invalid field, a truncated header or a
// header crc mismatch.
Result<Header> DecodeHeader(std::string_view bytes);

// The segments overlapping data bytes [offset, offset+length) clipped to the
// data length: segments [first, end) covering data bytes [begin, limit).
// REQUIRES: offset <= h.data_length. An empty clipped range gives first == end.
struct SegmentSpan {
  uint32_t first = 0;
  uint32_t end = 0;
  uint64_t begin = 0;
  uint64_t limit = 0;
};
SegmentSpan SpanForRange(const Header& h, uint64_t offset, uint64_t length);

// Verifies that bytes are exactly the data of segments [first, end) and that
// their crcs match. REQUIRES: first <= end <= h.segment_count().
// kCorruption on a length mismatch (truncated data) or a crc mismatch.
Status VerifySegments(const Header& h, uint32_t first, uint32_t end, std::string_view bytes);

// Verifies a whole object: its size equals h.frame_size() (a torn or
// over-long object is corrupt) and every segment crc matches.
Status VerifyFrame(const Header& h, std::string_view frame);

}  // namespace nasd::chunk::format
