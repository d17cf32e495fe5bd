// Authenticators for http::ServerOptions::authenticate: the admin's Bearer
// token (management API) and, for WebDAV, users' HTTP Basic credentials
// (RFC 7617) checked against the UserStore.
#include <sodium.h>

#include <cctype>
#include <optional>

#include "api/api.h"
#include "common/logging.h"

namespace nasd::api {
namespace {

constexpr std::string_view kBearer = "Bearer ";

// The token after "Bearer ", or nullopt. The scheme is matched exactly, as
// nasd's own clients send it.
std::optional<std::string_view> BearerToken(std::string_view header) {
  if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer)
    return std::nullopt;
  return header.substr(kBearer.size());
}

bool IsAdminToken(const std::string& token, std::string_view header) {
  if (token.empty()) return false;
  auto presented = BearerToken(header);
  return presented && ConstantTimeEquals(*presented, token);
}

// The credentials after "Basic " (scheme case-insensitive, RFC 9110 11.1),
// base64-decoded; nullopt for another scheme or malformed base64.
std::optional<std::string> BasicCredentials(std::string_view header) {
  constexpr std::string_view kBasic = "basic ";
  if (header.size() <= kBasic.size()) return std::nullopt;
  for (size_t i = 0; i < kBasic.size(); ++i) {
    if (static_cast<char>(std::tolower(static_cast<unsigned char>(header[i]))) != kBasic[i])
      return std::nullopt;
  }
  std::string_view b64 = header.substr(kBasic.size());
  while (!b64.empty() && b64.front() == ' ') b64.remove_prefix(1);
  while (!b64.empty() && b64.back() == ' ') b64.remove_suffix(1);
  if (b64.empty() || sodium_init() < 0) return std::nullopt;
  std::string out(b64.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(),
                        b64.size(),
                        /*ignore=*/nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != b64.data() + b64.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Length is not secret (tokens have a fixed generated length); content is.
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
  }
  return diff == 0;
}

std::function<bool(http::Request&)> BearerAuthenticator(std::string token) {
  return [token = std::move(token)](http::Request& req) {
    auto header = req.headers.Get("authorization");
    if (!header || !IsAdminToken(token, *header)) return false;
    req.admin = true;
    return true;
  };
}

namespace {

// UserAuthenticator's decision; with quick, nullopt instead of running an
// Argon2id verification.
std::optional<bool> AuthenticateUser(const std::string& token, meta::UserStore& users,
                                     http::Request& req, bool quick) {
  auto header = req.headers.Get("authorization");
  if (!header) return false;
  if (IsAdminToken(token, *header)) {
    req.admin = true;
    return true;
  }
  auto credentials = BasicCredentials(*header);
  if (!credentials) return false;
  const size_t colon = credentials->find(':');
  if (colon == std::string::npos) return false;
  std::string name = credentials->substr(0, colon);
  const std::string_view password = std::string_view(*credentials).substr(colon + 1);
  Result<std::optional<bool>> ok = std::optional<bool>();
  if (quick) {
    ok = users.VerifyCached(name, password);
  } else {
    Result<bool> verified = users.Verify(name, password);
    ok = verified.ok() ? Result<std::optional<bool>>(std::optional<bool>(*verified))
                       : Result<std::optional<bool>>(verified.status());
  }
  sodium_memzero(credentials->data(), credentials->size());
  if (!ok.ok()) {
    // The store failed (not the client): say so, but never with the password.
    log::Warn("auth.verify_failed")
        .Str("request_id", req.request_id)
        .Str("error", ok.status().ToString());
    return false;
  }
  if (*ok == true) req.user = std::move(name);
  return *ok;
}

}  // namespace

std::function<bool(http::Request&)> UserAuthenticator(std::string admin_token,
                                                      meta::UserStore& users) {
  return [token = std::move(admin_token), &users](http::Request& req) {
    return AuthenticateUser(token, users, req, /*quick=*/false).value_or(false);
  };
}

std::function<std::optional<bool>(http::Request&)> QuickUserAuthenticator(
    std::string admin_token, meta::UserStore& users) {
  return [token = std::move(admin_token), &users](http::Request& req) {
    return AuthenticateUser(token, users, req, /*quick=*/true);
  };
}

}  // namespace nasd::api
