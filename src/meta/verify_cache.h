// VerifyCache: remembers recent successful password checks so that a client
// sending the same HTTP Basic credentials on every request pays for Argon2id
// once, not per request.
//
// An entry is (user name, keyed BLAKE2b of the password) -> the password hash
// it was checked against. The BLAKE2b key is random per cache (so per
// process) and never leaves memory, so the cache holds nothing that helps an
// offline guess. A hit requires the caller's current stored hash to equal the
// remembered one: a changed password (new salt, new hash) or a deleted user
// never hits, even without Forget(). Entries expire ttl after insertion
// (not refreshed by hits); beyond capacity the least recently used goes.
// Only successes are inserted by callers; failures always pay the full hash.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/thread_annotations.h"

namespace nasd::meta {

class VerifyCache {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    size_t capacity = 1024;  // 0 disables the cache
    Clock::duration ttl = std::chrono::minutes(5);
    std::function<Clock::time_point()> now;  // unset: Clock::now (tests override)
  };

  explicit VerifyCache(Options options);

  // True if (name, password) was inserted with exactly password_hash and has
  // not expired.
  bool Contains(std::string_view name, std::string_view password, std::string_view password_hash)
      EXCLUDES(mu_);
  void Insert(std::string_view name, std::string_view password, std::string_view password_hash)
      EXCLUDES(mu_);
  // Drops every entry of name.
  void Forget(std::string_view name) EXCLUDES(mu_);
  size_t size() const EXCLUDES(mu_);

 private:
  struct Entry {
    std::string password_hash;
    Clock::time_point expires;
    std::list<std::string>::iterator lru;  // position in lru_
  };

  // name + 0x00 + keyed BLAKE2b-256(password); names never contain 0x00.
  std::string KeyOf(std::string_view name, std::string_view password) const;
  Clock::time_point Now() const;
  void EraseLocked(std::map<std::string, Entry>::iterator it) REQUIRES(mu_);

  // Fixed after construction.
  const Options options_;
  std::string mac_key_;

  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_ GUARDED_BY(mu_);  // ordered: Forget erases a name's range
  std::list<std::string> lru_ GUARDED_BY(mu_);            // least recently used first
};

}  // namespace nasd::meta
