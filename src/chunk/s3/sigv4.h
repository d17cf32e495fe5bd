// AWS Signature Version 4 for S3 requests sent with signed headers (no
// presigned URLs, no aws-chunked bodies).
//
// The signer takes a request in raw (unencoded) form, encodes the path and
// query the way S3 expects, and returns the exact path and query string to put
// on the wire, so what is signed is what is sent. See
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
// Pure functions; thread-safe. Secrets are only hashed, never copied into the
// returned values except as HMAC output.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nasd::chunk::s3 {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // empty: none (long-term keys)
};

// A payload hash for requests that do not sign their body.
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct SigV4Request {
  std::string method;  // "GET", "PUT", ...
  // Raw path starting with '/', e.g. "/bucket/a b/c+d.txt"; each segment is
  // URI-encoded by the signer ('/' separates segments and is kept).
  std::string path;
  // Raw query parameters (names and values unencoded); order does not matter.
  HeaderList query;
  // Headers to sign and send; must include "host". Names are matched
  // case-insensitively; values are trimmed and inner runs of spaces folded.
  HeaderList headers;
  // Hex SHA-256 of the body, or kUnsignedPayload.
  std::string payload_hash;
};

struct SigV4Result {
  std::string encoded_path;   // the path to send
  std::string encoded_query;  // canonical query string (sorted, encoded), no '?'
  // Headers to add to the request: x-amz-date, x-amz-content-sha256,
  // x-amz-security-token (with a session token) and authorization.
  HeaderList headers;
  // For tests and debugging: the intermediate strings (no secrets in them).
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
};

// URI-encodes per AWS rules: every byte except A-Z a-z 0-9 - _ . ~ becomes
// %XX (uppercase hex); '/' is kept when keep_slash.
std::string UriEncode(std::string_view s, bool keep_slash);

// "20130524T000000Z" for t (UTC).
std::string AmzDate(std::chrono::system_clock::time_point t);

// Hex SHA-256 of data (the payload hash of a body).
std::string Sha256Hex(std::string_view data);

// Signs request for (region, service) at time amz_date ("YYYYMMDDTHHMMSSZ").
SigV4Result SignV4(const SigV4Request& request, const Credentials& credentials,
                   std::string_view region, std::string_view service, std::string_view amz_date);

}  // namespace nasd::chunk::s3
