#include "chunk/s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

namespace nasd::chunk::s3 {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";

std::string ToHex(const unsigned char* p, size_t n) {
  std::string out(2 * n, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Trims the value and folds runs of spaces into one, as SigV4 requires.
std::string CanonicalValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string UriEncode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHexUpper[c >> 4]);
      out.push_back(kHexUpper[c & 15]);
    }
  }
  return out;
}

std::string AmzDate(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return ToHex(md, sizeof(md));
}

SigV4Result SignV4(const SigV4Request& request, const Credentials& credentials, std::string_view region,
                   std::string_view service, std::string_view amz_date) {
  SigV4Result r;
  r.encoded_path = request.path.empty() ? "/" : UriEncode(request.path, /*keep_slash=*/true);

  std::vector<std::pair<std::string, std::string>> query;
  query.reserve(request.query.size());
  for (const auto& [name, value] : request.query) {
    query.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(query.begin(), query.end());
  for (const auto& [name, value] : query) {
    if (!r.encoded_query.empty()) r.encoded_query.push_back('&');
    r.encoded_query += name + "=" + value;
  }

  r.headers.emplace_back("x-amz-date", std::string(amz_date));
  r.headers.emplace_back("x-amz-content-sha256", request.payload_hash);
  if (!credentials.session_token.empty()) {
    r.headers.emplace_back("x-amz-security-token", credentials.session_token);
  }
  std::vector<std::pair<std::string, std::string>> canonical;
  for (const auto& [name, value] : request.headers) canonical.emplace_back(Lower(name), CanonicalValue(value));
  for (const auto& [name, value] : r.headers) canonical.emplace_back(name, CanonicalValue(value));
  std::stable_sort(canonical.begin(), canonical.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string header_block;
  std::string signed_headers;
  for (size_t i = 0; i < canonical.size(); ++i) {
    // Repeated names become one line with comma-separated values.
    if (i > 0 && canonical[i].first == canonical[i - 1].first) {
      header_block.pop_back();
      header_block += "," + canonical[i].second + "\n";
      continue;
    }
    header_block += canonical[i].first + ":" + canonical[i].second + "\n";
    if (!signed_headers.empty()) signed_headers.push_back(';');
    signed_headers += canonical[i].first;
  }

  r.canonical_request = fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, r.encoded_path, r.encoded_query,
                                    header_block, signed_headers, request.payload_hash);
  const std::string_view date = amz_date.substr(0, 8);
  const std::string scope = fmt::format("{}/{}/{}/aws4_request", date, region, service);
  r.string_to_sign = fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date, scope, Sha256Hex(r.canonical_request));

  std::string key = Hmac("AWS4" + credentials.secret_key, date);
  key = Hmac(key, region);
  key = Hmac(key, service);
  key = Hmac(key, "aws4_request");
  const std::string mac = Hmac(key, r.string_to_sign);
  r.signature = ToHex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
  r.headers.emplace_back("authorization",
                         fmt::format("AWS4-HMAC-SHA256 Credential={}/{},SignedHeaders={},Signature={}",
                                     credentials.access_key, scope, signed_headers, r.signature));
  return r;
}

}  // namespace nasd::chunk::s3
