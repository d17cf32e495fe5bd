#include "meta/verify_cache.h"

#include <sodium.h>

#include <cstdlib>

namespace nasd::meta {

VerifyCache::VerifyCache(Options options) : options_(std::move(options)) {
  if (sodium_init() < 0) std::abort();  // no usable RNG: no safe key can exist
  mac_key_.resize(crypto_generichash_KEYBYTES);
  randombytes_buf(mac_key_.data(), mac_key_.size());
}

std::string VerifyCache::KeyOf(std::string_view name, std::string_view password) const {
  unsigned char mac[crypto_generichash_BYTES];
  crypto_generichash(mac, sizeof mac, reinterpret_cast<const unsigned char*>(password.data()),
                     password.size(), reinterpret_cast<const unsigned char*>(mac_key_.data()),
                     mac_key_.size());
  std::string key(name);
  key.push_back('\0');
  key.append(reinterpret_cast<const char*>(mac), sizeof mac);
  sodium_memzero(mac, sizeof mac);
  return key;
}

VerifyCache::Clock::time_point VerifyCache::Now() const {
  return options_.now ? options_.now() : Clock::now();
}

void VerifyCache::EraseLocked(std::map<std::string, Entry>::iterator it) {
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

bool VerifyCache::Contains(std::string_view name, std::string_view password,
                           std::string_view password_hash) {
  if (options_.capacity == 0) return false;
  const std::string key = KeyOf(name, password);
  const Clock::time_point now = Now();
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  if (now >= it->second.expires || it->second.password_hash != password_hash) {
    EraseLocked(it);
    return false;
  }
  lru_.splice(lru_.end(), lru_, it->second.lru);
  return true;
}

void VerifyCache::Insert(std::string_view name, std::string_view password,
                         std::string_view password_hash) {
  if (options_.capacity == 0) return;
  std::string key = KeyOf(name, password);
  const Clock::time_point expires = Now() + options_.ttl;
  std::lock_guard lock(mu_);
  if (auto it = entries_.find(key); it != entries_.end()) EraseLocked(it);
  while (entries_.size() >= options_.capacity) EraseLocked(entries_.find(lru_.front()));
  auto pos = lru_.insert(lru_.end(), key);
  entries_.emplace(std::move(key), Entry{std::string(password_hash), expires, pos});
}

void VerifyCache::Forget(std::string_view name) {
  std::string first(name);
  first.push_back('\0');
  std::string last(name);
  last.push_back('\1');
  std::lock_guard lock(mu_);
  auto it = entries_.lower_bound(first);
  const auto end = entries_.lower_bound(last);
  while (it != end) EraseLocked(it++);
}

size_t VerifyCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace nasd::meta
