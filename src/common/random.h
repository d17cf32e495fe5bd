// Cryptographically strong random identifiers (from the kernel's getrandom).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace nasd {

// 2*n lowercase hex characters from n random bytes.
std::string RandomHex(size_t n);
// A random 64-bit number.
uint64_t RandomU64();

}  // namespace nasd
