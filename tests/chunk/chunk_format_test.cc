// The chunk frame: layout pinned to docs/format/chunk.md, and hostile headers.
#include "chunk/chunk_format.h"

#include <gtest/gtest.h>

#include <random>

#include "chunk/checksum.h"
#include "chunk_test_util.h"

namespace nasd::chunk::format {
namespace {

using ::nasd::chunk::testing::RandomBytes;

template <typename T>
void SetLe(std::string& s, size_t off, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) s[off + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

template <typename T>
T GetLe(std::string_view s, size_t off) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= T(static_cast<uint8_t>(s[off + i])) << (8 * i);
  return v;
}

// Recomputes the trailing header crc of a frame with n segments, so that a
// test reaches the field checks with a self-consistent header.
void FixHeaderCrc(std::string& frame, uint32_t n) {
  const size_t at = kFixedHeaderSize + 4 * size_t{n};
  SetLe<uint32_t>(frame, at, Crc32c(std::string_view(frame).substr(0, at)));
}

void ExpectCorruption(std::string_view bytes, std::string_view what) {
  Result<Header> h = DecodeHeader(bytes);
  ASSERT_FALSE(h.ok()) << "expected corruption: " << what;
  EXPECT_EQ(h.status().code(), Code::kCorruption);
  EXPECT_NE(h.status().message().find(what), std::string::npos) << h.status().message();
}

TEST(ChunkFormatTest, LayoutMatchesTheDocumentation) {
  const std::string data = RandomBytes(2 * kSegmentSize + 5, 1);
  const std::string frame = Encode(data);
  ASSERT_EQ(frame.size(), 32u + 3 * 4 + 4 + data.size());
  EXPECT_EQ(frame.substr(0, 8), "NASDCHK1");
  EXPECT_EQ(GetLe<uint16_t>(frame, 8), 1);
  EXPECT_EQ(GetLe<uint16_t>(frame, 10), 0);
  EXPECT_EQ(GetLe<uint32_t>(frame, 12), 65536u);
  EXPECT_EQ(GetLe<uint64_t>(frame, 16), data.size());
  EXPECT_EQ(GetLe<uint32_t>(frame, 24), 3u);
  EXPECT_EQ(GetLe<uint32_t>(frame, 28), 48u);
  EXPECT_EQ(GetLe<uint32_t>(frame, 32), Crc32c(std::string_view(data).substr(0, kSegmentSize)));
  EXPECT_EQ(GetLe<uint32_t>(frame, 40), Crc32c(std::string_view(data).substr(2 * kSegmentSize)));
  EXPECT_EQ(GetLe<uint32_t>(frame, 44), Crc32c(std::string_view(frame).substr(0, 44)));
  EXPECT_EQ(frame.substr(48), data);
  EXPECT_EQ(FrameSizeFor(data.size()), frame.size());
}

TEST(ChunkFormatTest, RoundTripsAndVerifies) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{kSegmentSize}, size_t{kSegmentSize + 1}}) {
    SCOPED_TRACE(size);
    const std::string data = RandomBytes(size, size);
    const std::string frame = Encode(data);
    Result<Header> h = DecodeHeader(frame);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    EXPECT_EQ(h->data_length, size);
    EXPECT_EQ(h->segment_count(), (size + kSegmentSize - 1) / kSegmentSize);
    EXPECT_EQ(h->frame_size(), frame.size());
    EXPECT_EQ(EncodeHeader(data).size(), h->header_size());
    EXPECT_TRUE(VerifyFrame(*h, frame).ok());
    EXPECT_EQ(VerifyFrame(*h, frame + "x").code(), Code::kCorruption);
    if (!frame.empty()) {
      EXPECT_EQ(VerifyFrame(*h, frame.substr(0, frame.size() - 1)).code(), Code::kCorruption);
    }
  }
}

TEST(ChunkFormatTest, HostileHeadersAreCorruption) {
  const std::string good = Encode(RandomBytes(100000, 2));  // 2 segments
  std::string f;

  ExpectCorruption("", "truncated header");
  ExpectCorruption(good.substr(0, 31), "truncated header");
  ExpectCorruption(good.substr(0, 40), "truncated header");  // fixed part only

  f = good;
  f[0] = 'X';
  ExpectCorruption(f, "bad magic");

  f = good;
  SetLe<uint16_t>(f, 8, 2);
  FixHeaderCrc(f, 2);
  ExpectCorruption(f, "unsupported format version 2");

  f = good;
  SetLe<uint16_t>(f, 10, 0x8000);
  FixHeaderCrc(f, 2);
  ExpectCorruption(f, "unknown flags");

  for (uint32_t seg : {0u, 1u, 4095u, 65535u, 1u << 30, 0xFFFFFFFFu}) {
    f = good;
    SetLe<uint32_t>(f, 12, seg);
    FixHeaderCrc(f, 2);
    ExpectCorruption(f, "invalid segment size");
  }

  for (uint64_t len : {kMaxDataLength + 1, uint64_t{1} << 63, ~uint64_t{0}}) {
    f = good;
    SetLe<uint64_t>(f, 16, len);
    FixHeaderCrc(f, 2);
    ExpectCorruption(f, "exceeds the maximum");
  }

  f = good;  // a length that needs 3 segments while the header has 2
  SetLe<uint64_t>(f, 16, 3 * kSegmentSize);
  FixHeaderCrc(f, 2);
  ExpectCorruption(f, "segment count 2 does not match");

  for (uint32_t count : {0u, 3u, 1u << 20, 0xFFFFFFFFu}) {
    f = good;
    SetLe<uint32_t>(f, 24, count);
    ExpectCorruption(f, "segment count");
  }

  f = good;
  SetLe<uint32_t>(f, 28, 0xFFFFFFFF);
  ExpectCorruption(f, "header size");

  f = good;
  f[33] = static_cast<char>(f[33] ^ 1);  // a segment crc
  ExpectCorruption(f, "header crc mismatch");
  f = good;
  f[40] = static_cast<char>(f[40] ^ 1);  // the header crc itself
  ExpectCorruption(f, "header crc mismatch");
}

TEST(ChunkFormatTest, EveryHeaderByteIsProtected) {
  const std::string good = Encode(RandomBytes(200000, 3));
  const uint64_t header_size = *HeaderSize(good);
  for (size_t i = 0; i < header_size; ++i) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
      std::string f = good;
      f[i] = static_cast<char>(f[i] ^ mask);
      Result<Header> h = DecodeHeader(f);
      ASSERT_FALSE(h.ok()) << "byte " << i << " mask " << int(mask);
      EXPECT_EQ(h.status().code(), Code::kCorruption);
    }
  }
}

TEST(ChunkFormatTest, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng(42);
  const std::string good = Encode(RandomBytes(300000, 4));
  for (int iter = 0; iter < 20000; ++iter) {
    std::string f = good.substr(0, rng() % 120);
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < flips && !f.empty(); ++k) f[rng() % f.size()] = static_cast<char>(rng());
    if (iter % 2 == 0 && f.size() >= 32) SetLe<uint32_t>(f, 24, static_cast<uint32_t>(rng()));
    Result<Header> h = DecodeHeader(f);
    if (h.ok()) {
      EXPECT_LE(h->header_size(), f.size());
    } else {
      EXPECT_EQ(h.status().code(), Code::kCorruption);
    }
  }
}

TEST(ChunkFormatTest, SegmentSpans) {
  Header h = *DecodeHeader(Encode(RandomBytes(3 * kSegmentSize + 10, 5)));
  const uint64_t s = kSegmentSize;
  SegmentSpan span = SpanForRange(h, 0, 1);
  EXPECT_EQ(span.first, 0u);
  EXPECT_EQ(span.end, 1u);
  EXPECT_EQ(span.limit, s);
  span = SpanForRange(h, s - 1, 2);
  EXPECT_EQ(span.first, 0u);
  EXPECT_EQ(span.end, 2u);
  span = SpanForRange(h, s, s);
  EXPECT_EQ(span.first, 1u);
  EXPECT_EQ(span.end, 2u);
  EXPECT_EQ(span.begin, s);
  span = SpanForRange(h, 3 * s + 5, 1000);  // clipped at the short last segment
  EXPECT_EQ(span.first, 3u);
  EXPECT_EQ(span.end, 4u);
  EXPECT_EQ(span.limit, 3 * s + 10);
  span = SpanForRange(h, 3 * s + 10, 5);  // at the end: empty
  EXPECT_EQ(span.first, span.end);
  span = SpanForRange(h, 0, ~uint64_t{0});
  EXPECT_EQ(span.first, 0u);
  EXPECT_EQ(span.end, 4u);
}

TEST(ChunkFormatTest, VerifySegmentsChecksLengthAndCrc) {
  const std::string data = RandomBytes(2 * kSegmentSize + 10, 6);
  const Header h = *DecodeHeader(Encode(data));
  const std::string_view d(data);
  EXPECT_TRUE(VerifySegments(h, 1, 3, d.substr(kSegmentSize)).ok());
  EXPECT_TRUE(VerifySegments(h, 2, 2, "").ok());
  Status st = VerifySegments(h, 1, 3, d.substr(kSegmentSize, kSegmentSize));
  EXPECT_EQ(st.code(), Code::kCorruption);
  EXPECT_NE(st.message().find("truncated"), std::string::npos);
  std::string bad(d.substr(kSegmentSize));
  bad.back() = static_cast<char>(bad.back() ^ 4);
  st = VerifySegments(h, 1, 3, bad);
  EXPECT_EQ(st.code(), Code::kCorruption);
  EXPECT_NE(st.message().find("segment 2 crc mismatch"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace nasd::chunk::format
