#include "kv/retry.h"

#include <algorithm>
#include <random>
#include <thread>

namespace nasd::kv {
namespace {

// "Equal jitter": half the backoff is fixed, half is random, so colliding
// transactions spread out without ever retrying immediately.
std::chrono::microseconds Jitter(std::chrono::microseconds backoff) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  const int64_t half = backoff.count() / 2;
  std::uniform_int_distribution<int64_t> dist(0, std::max<int64_t>(half, 0));
  return std::chrono::microseconds(backoff.count() - half + dist(rng));
}

}  // namespace

Status RunTransaction(KvEngine& engine, const std::function<Status(Transaction&)>& body,
                      WriteOptions options, RetryPolicy policy) {
  const int attempts = std::max(policy.max_attempts, 1);
  std::chrono::microseconds backoff = policy.initial_backoff;
  Status last;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(Jitter(backoff));
      backoff = std::min(backoff * 2, policy.max_backoff);
    }
    std::unique_ptr<Transaction> txn = engine.Begin(options);
    Status st = body(*txn);
    if (!st.ok()) return st;  // the transaction is discarded uncommitted
    last = txn->Commit();
    if (last.code() != Code::kConflict) return last;
  }
  return last.WithContext("transaction gave up after " + std::to_string(attempts) + " attempts");
}

}  // namespace nasd::kv
