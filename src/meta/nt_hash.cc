#include "meta/nt_hash.h"

#include <cstring>

namespace nasd::meta {
namespace {

uint32_t Rotl(uint32_t x, int s) { return (x << s) | (x >> (32 - s)); }

void Md4Block(uint32_t state[4], const uint8_t block[64]) {
  uint32_t x[16];
  for (int i = 0; i < 16; ++i) {
    x[i] = uint32_t{block[i * 4]} | uint32_t{block[i * 4 + 1]} << 8 | uint32_t{block[i * 4 + 2]} << 16 |
           uint32_t{block[i * 4 + 3]} << 24;
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  auto f = [](uint32_t x, uint32_t y, uint32_t z) { return (x & y) | (~x & z); };
  auto g = [](uint32_t x, uint32_t y, uint32_t z) { return (x & y) | (x & z) | (y & z); };
  auto h = [](uint32_t x, uint32_t y, uint32_t z) { return x ^ y ^ z; };
  static constexpr int kS1[4] = {3, 7, 11, 19}, kS2[4] = {3, 5, 9, 13}, kS3[4] = {3, 9, 11, 15};
  for (int i = 0; i < 16; ++i) {
    uint32_t t = Rotl(a + f(b, c, d) + x[i], kS1[i % 4]);
    a = d, d = c, c = b, b = t;
  }
  for (int i = 0; i < 16; ++i) {
    int k = (i % 4) * 4 + i / 4;
    uint32_t t = Rotl(a + g(b, c, d) + x[k] + 0x5a827999u, kS2[i % 4]);
    a = d, d = c, c = b, b = t;
  }
  static constexpr int kOrder3[16] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};
  for (int i = 0; i < 16; ++i) {
    uint32_t t = Rotl(a + h(b, c, d) + x[kOrder3[i]] + 0x6ed9eba1u, kS3[i % 4]);
    a = d, d = c, c = b, b = t;
  }
  state[0] += a, state[1] += b, state[2] += c, state[3] += d;
}

}  // namespace

std::array<uint8_t, 16> Md4(std::string_view data) {
  uint32_t state[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};
  size_t full = data.size() / 64 * 64;
  for (size_t off = 0; off < full; off += 64) Md4Block(state, reinterpret_cast<const uint8_t*>(data.data() + off));
  uint8_t tail[128] = {};
  size_t rest = data.size() - full;
  std::memcpy(tail, data.data() + full, rest);
  tail[rest] = 0x80;
  size_t tail_len = rest < 56 ? 64 : 128;
  uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  for (int i = 0; i < 8; ++i) tail[tail_len - 8 + i] = static_cast<uint8_t>(bits >> (8 * i));
  for (size_t off = 0; off < tail_len; off += 64) Md4Block(state, tail + off);
  std::array<uint8_t, 16> out;
  for (int i = 0; i < 16; ++i) out[i] = static_cast<uint8_t>(state[i / 4] >> (8 * (i % 4)));
  return out;
}

std::string Utf16Le(std::string_view s) {
  std::string out;
  auto put = [&out](uint32_t unit) {
    out.push_back(static_cast<char>(unit & 0xff));
    out.push_back(static_cast<char>(unit >> 8));
  };
  size_t i = 0;
  while (i < s.size()) {
    auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
    uint8_t c = byte(i);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    uint32_t cp = 0;
    bool valid = len > 0 && i + len <= s.size();
    if (valid) {
      cp = len == 1 ? c : c & (0xff >> (len + 1));
      for (int k = 1; k < len; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) valid = false;
        cp = cp << 6 | (byte(i + k) & 0x3f);
      }
      static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
      if (valid && (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) valid = false;
    }
    if (!valid) {
      put(c);  // Latin-1
      i += 1;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put(0xd800 | (cp >> 10));
      put(0xdc00 | (cp & 0x3ff));
    } else {
      put(cp);
    }
    i += len;
  }
  return out;
}

std::string NtHashHex(std::string_view password) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (uint8_t b : Md4(Utf16Le(password))) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

}  // namespace nasd::meta
