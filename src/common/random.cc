#include "common/random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

namespace nasd {

namespace {

void FillRandom(unsigned char* out, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(out + got, n - got, 0);
    if (r > 0) {
      got += static_cast<size_t>(r);
    } else if (r < 0 && errno != EINTR && errno != EAGAIN) {
      std::abort();  // no entropy source at all: nothing safe can be generated
    }
  }
}

}  // namespace

uint64_t RandomU64() {
  uint64_t v = 0;
  FillRandom(reinterpret_cast<unsigned char*>(&v), sizeof(v));
  return v;
}

std::string RandomHex(size_t n) {
  std::vector<unsigned char> bytes(n);
  FillRandom(bytes.data(), n);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

}  // namespace nasd
