// S3Client: signed S3 requests against one bucket, with retries.
//
// Call() signs every attempt afresh (SigV4, payload hash of the body), sends
// it through the pooled HttpTransport and retries, with RetryPolicy backoff,
// timeouts, connection errors, HTTP 5xx and 429, and SlowDown/RequestTimeout
// errors, as long as the operation's total deadline (S3Options::deadline)
// allows; each attempt's timeout is cut to the time left. When retries run
// out it returns the last failure with the number of attempts; any other HTTP
// answer (2xx, 3xx, 4xx) is returned as a response for the caller to read,
// and ErrorStatus() turns an error answer into a Status that names the cause
// (bad credentials, clock skew, unknown bucket). Messages and Describe()
// never contain secrets. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "chunk/s3/http_transport.h"
#include "chunk/s3/s3_options.h"
#include "common/status.h"

namespace nasd::chunk::s3 {

struct S3Call {
  std::string method;
  std::string key;    // full object key (prefix included); empty: the bucket itself
  HeaderList query;   // raw names and values
  HeaderList headers; // extra headers to sign and send (e.g. range)
  std::string_view body;  // PUT body; must outlive Call
  size_t max_response_bytes = 16 << 20;
  // When set and true, Call stops (kCancelled) instead of sending, waiting
  // or retrying; see HttpRequest::cancel. Must outlive Call.
  const std::atomic<bool>* cancel = nullptr;
};

class S3Client {
 public:
  // Validates options (kInvalidArgument naming the field) and prepares the
  // transport; sends nothing.
  static Result<std::unique_ptr<S3Client>> Create(const S3Options& options);

  Result<HttpResponse> Call(const S3Call& call);
  // The Status for a non-2xx answer to call.
  Status ErrorStatus(const S3Call& call, const HttpResponse& response) const;

  const S3Options& options() const { return options_; }
  // "s3:ENDPOINT/BUCKET/PREFIX" (no credentials).
  std::string Describe() const;

 private:
  S3Client(const S3Options& options, std::unique_ptr<HttpTransport> transport, std::string scheme,
           std::string host);
  HttpRequest Sign(const S3Call& call, std::chrono::milliseconds timeout) const;

  const S3Options options_;
  const std::unique_ptr<HttpTransport> transport_;
  const std::string scheme_;  // "http" or "https"
  const std::string host_;    // host[:port] of the endpoint
};

// The <Code> of an S3 error document ("NoSuchBucket"), or "" when the body
// is not one.
std::string S3ErrorCode(const HttpResponse& response);

// Checks and normalizes options in place (adds the prefix's trailing '/').
Status NormalizeS3Options(S3Options& options);

}  // namespace nasd::chunk::s3
