// S3Options: everything the S3 backend needs to reach one bucket.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "chunk/s3/retry_policy.h"
#include "chunk/s3/sigv4.h"

namespace nasd::chunk::s3 {

struct S3Options {
  // "http://host:port" or "https://host[:port]"; no path, query or user.
  std::string endpoint;
  std::string region = "us-east-1";
  std::string bucket;  // 3-63 characters of [a-z0-9.-]
  // Objects are named prefix + name. A non-empty prefix is a folder: a
  // missing trailing '/' is added. At most 512 bytes, no leading '/'.
  std::string prefix;
  // true: http://endpoint/bucket/key; false: http://bucket.endpoint/key.
  bool path_style = false;
  Credentials credentials;
  std::string ca_file;  // PEM bundle for HTTPS; empty: the system store
  size_t concurrency = 8;  // requests in flight at once (pooled connections)
  std::chrono::milliseconds timeout{30'000};    // one attempt of one request
  std::chrono::milliseconds deadline{120'000};  // one operation, all attempts
  RetryPolicy retry;
  size_t list_page_size = 1000;  // max-keys of one ListObjectsV2 page (1..1000)
};

}  // namespace nasd::chunk::s3
