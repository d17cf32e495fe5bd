// ChunkId: SHA-256 names for chunks (declared in chunk_store.h).
#include <openssl/evp.h>

#include <cstdlib>

#include "chunk/chunk_store.h"

namespace nasd::chunk {
namespace {

// Fetched once: an implicit EVP_sha256() lookup per call costs more than
// hashing a small chunk under OpenSSL 3.
const EVP_MD* Sha256() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

ChunkId ChunkId::Of(std::string_view data) {
  std::array<uint8_t, kSize> out{};
  unsigned int len = 0;
  // EVP_Digest fails only on allocation failure or a broken OpenSSL
  // installation; neither leaves a usable process, so it is fatal.
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, Sha256(), nullptr) != 1 ||
      len != kSize) {
    std::abort();
  }
  return ChunkId(out);
}

Result<ChunkId> ChunkId::FromHex(std::string_view hex) {
  if (hex.size() != 2 * kSize) {
    return InvalidArgument("chunk id must be 64 lowercase hex characters, got " +
                           std::to_string(hex.size()) + " characters");
  }
  std::array<uint8_t, kSize> out{};
  for (size_t i = 0; i < kSize; ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return InvalidArgument("chunk id has a non-lowercase-hex character at offset " +
                             std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return ChunkId(out);
}

std::string ChunkId::ToHex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * kSize, '0');
  for (size_t i = 0; i < kSize; ++i) {
    out[2 * i] = kDigits[bytes_[i] >> 4];
    out[2 * i + 1] = kDigits[bytes_[i] & 0xf];
  }
  return out;
}

}  // namespace nasd::chunk
