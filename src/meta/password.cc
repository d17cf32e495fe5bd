#include "meta/password.h"

#include <fmt/format.h>
#include <sodium.h>

namespace nasd::meta {
namespace {

Status InitSodium() {
  // sodium_init() is thread-safe and idempotent; -1 means no usable RNG.
  static const int rc = sodium_init();
  if (rc < 0) return Internal("libsodium failed to initialise");
  return Status::Ok();
}

}  // namespace

PasswordCost PasswordCost::Minimum() {
  return PasswordCost{crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

Status ValidatePassword(std::string_view password) {
  if (password.empty()) return InvalidArgument("password must not be empty");
  if (password.size() > kMaxPasswordBytes) {
    return InvalidArgument(
        fmt::format("password is {} bytes; the limit is {}", password.size(), kMaxPasswordBytes));
  }
  return Status::Ok();
}

Result<std::string> HashPassword(std::string_view password, PasswordCost cost) {
  NASD_RETURN_IF_ERROR(ValidatePassword(password));
  NASD_RETURN_IF_ERROR(InitSodium());
  const unsigned long long ops =
      cost.opslimit != 0 ? cost.opslimit : crypto_pwhash_OPSLIMIT_INTERACTIVE;
  const size_t mem = cost.memlimit != 0 ? cost.memlimit : crypto_pwhash_MEMLIMIT_INTERACTIVE;
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Internal(
        fmt::format("password hashing failed (Argon2id needs {} bytes of memory)", mem));
  }
  return std::string(out);
}

bool PasswordMatches(const std::string& hash, std::string_view password) {
  if (!InitSodium().ok() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace nasd::meta
