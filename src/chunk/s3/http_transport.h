// HttpTransport: blocking HTTP/1.1 requests over libcurl for the S3 backend.
//
// A transport owns a pool of curl easy handles, each keeping its own live
// connections (keep-alive reuse, TLS session reuse); at most `connections`
// requests run at once and further callers wait for a free handle. HTTPS
// verifies the peer and host name against the system store or ca_file.
//
// Perform() reports transport failures as a Status (kTimeout, kNetworkError;
// kFailedPrecondition for certificate problems, which retrying cannot fix;
// kCorruption for a response body above the caller's cap) and returns every
// HTTP response, error statuses included, as an HttpResponse. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "chunk/s3/sigv4.h"
#include "common/status.h"
#include "common/thread_annotations.h"

namespace nasd::chunk::s3 {

struct HttpRequest {
  std::string method;  // GET, HEAD, PUT, DELETE
  std::string url;     // absolute, already encoded
  HeaderList headers;
  std::string_view body;  // sent with PUT; must outlive Perform
  std::chrono::milliseconds timeout{30'000};  // whole request, connect included
  size_t max_response_bytes = 16 << 20;
  // When set, the request is abandoned (kCancelled) soon after it turns true.
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lowercased; last value wins
  std::string body;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct TransportOptions {
  std::string ca_file;     // empty: the system trust store
  size_t connections = 8;  // concurrent requests (and pooled handles)
};

class HttpTransport {
 public:
  static Result<std::unique_ptr<HttpTransport>> Create(const TransportOptions& options);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  Result<HttpResponse> Perform(const HttpRequest& request);

 private:
  explicit HttpTransport(const TransportOptions& options);
  void* Acquire();
  void Release(void* handle);

  const TransportOptions options_;
  std::mutex mu_;
  std::condition_variable free_cv_;
  std::vector<void*> free_ GUARDED_BY(mu_);  // CURL* handles not in use
  size_t created_ GUARDED_BY(mu_) = 0;
};

}  // namespace nasd::chunk::s3
