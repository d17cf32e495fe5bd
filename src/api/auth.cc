#include "api/api.h"

namespace nasd::api {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Length is not secret (tokens have a fixed generated length); content is.
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
  }
  return diff == 0;
}

std::function<bool(const http::Request&)> BearerAuthenticator(std::string token) {
  return [token = std::move(token)](const http::Request& req) {
    if (token.empty()) return false;
    auto header = req.headers.Get("authorization");
    if (!header) return false;
    constexpr std::string_view kScheme = "Bearer ";
    if (header->size() <= kScheme.size() || header->substr(0, kScheme.size()) != kScheme) return false;
    return ConstantTimeEquals(header->substr(kScheme.size()), token);
  };
}

}  // namespace nasd::api
