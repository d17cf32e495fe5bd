// The system clock as Unix nanoseconds: the default of the clock options of
// meta/ and the layers above it (tests pass clocks of their own).
#pragma once

#include <chrono>
#include <cstdint>

namespace nasd::meta {

inline int64_t SystemNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace nasd::meta
