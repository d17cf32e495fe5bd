// RetryPolicy: how the S3 client retries a failed request. Policy only: the
// client decides what is retryable (timeouts, connection errors, 5xx, 429,
// SlowDown) and enforces the operation's total deadline; this object says how
// many attempts and how long to wait between them.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace nasd::chunk::s3 {

struct RetryPolicy {
  int max_attempts = 10;                         // first try included
  std::chrono::milliseconds base_delay{100};     // before the second attempt
  std::chrono::milliseconds max_delay{5'000};    // cap of one wait

  // The wait after failed attempt `attempt` (1-based): exponential backoff
  // min(max_delay, base_delay * 2^(attempt-1)) with jitter, a uniformly
  // random point in its upper half (random is any 64-bit random number), so
  // clients that failed together do not retry together.
  std::chrono::milliseconds Backoff(int attempt, uint64_t random) const {
    int shift = std::clamp(attempt - 1, 0, 30);
    int64_t cap = std::min<int64_t>(max_delay.count(), base_delay.count() << shift);
    if (cap <= 0) return std::chrono::milliseconds{0};
    int64_t half = cap / 2;
    return std::chrono::milliseconds{half + static_cast<int64_t>(random % static_cast<uint64_t>(cap - half + 1))};
  }
};

}  // namespace nasd::chunk::s3
