// Retries a KV transaction body on conflict, with jittered exponential backoff.
#pragma once

#include <chrono>
#include <functional>

#include "kv/kv_engine.h"

namespace nasd::kv {

struct RetryPolicy {
  int max_attempts = 16;
  std::chrono::microseconds initial_backoff{50};
  std::chrono::microseconds max_backoff{20'000};
};

// Runs body in a fresh transaction until it commits, body returns a non-ok
// status (returned as is, nothing committed), or attempts are exhausted
// (returns the last kConflict). Retries only Code::kConflict.
Status RunTransaction(KvEngine& engine, const std::function<Status(Transaction&)>& body,
                      WriteOptions options = {}, RetryPolicy policy = {});

}  // namespace nasd::kv
