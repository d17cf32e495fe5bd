// Password hashing for nasd users: Argon2id through libsodium, stored in the
// self-describing PHC string form ("$argon2id$v=19$m=...,t=...,p=1$salt$hash")
// so a cost change later still verifies old hashes. The only file that calls
// libsodium's pwhash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace nasd::meta {

inline constexpr size_t kMaxPasswordBytes = 1024;

// Argon2id work factors. The default is libsodium's INTERACTIVE (about 50 ms
// and 64 MiB per hash); Minimum() exists for tests only.
struct PasswordCost {
  uint64_t opslimit = 0;  // 0: crypto_pwhash_OPSLIMIT_INTERACTIVE
  size_t memlimit = 0;    // 0: crypto_pwhash_MEMLIMIT_INTERACTIVE
  static PasswordCost Minimum();
};

// kInvalidArgument for an empty password or one over kMaxPasswordBytes.
Status ValidatePassword(std::string_view password);

// A fresh salt every call, so equal passwords hash differently.
// kInvalidArgument (see ValidatePassword); kInternal if libsodium fails
// (e.g. it cannot allocate memlimit bytes).
Result<std::string> HashPassword(std::string_view password, PasswordCost cost);

// True if password matches hash. Takes the time the hash's own cost says; a
// malformed hash never matches.
bool PasswordMatches(const std::string& hash, std::string_view password);

}  // namespace nasd::meta
