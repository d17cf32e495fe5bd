// Cryptographically strong random identifiers (from the kernel's getrandom).
#pragma once

#include <cstddef>
#include <string>

namespace nasd {

// 2*n lowercase hex characters from n random bytes.
std::string RandomHex(size_t n);

}  // namespace nasd
