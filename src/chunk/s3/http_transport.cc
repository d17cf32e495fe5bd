#include "chunk/s3/http_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include <fmt/format.h>

namespace nasd::chunk::s3 {
namespace {

struct Exchange {
  const HttpRequest* request = nullptr;
  size_t sent = 0;
  HttpResponse response;
  bool too_large = false;
};

size_t OnWrite(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t bytes = size * n;
  if (ex->response.body.size() + bytes > ex->request->max_response_bytes) {
    ex->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  ex->response.body.append(data, bytes);
  return bytes;
}

size_t OnRead(char* buffer, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  std::string_view body = ex->request->body;
  size_t take = std::min(size * n, body.size() - ex->sent);
  std::memcpy(buffer, body.data() + ex->sent, take);
  ex->sent += take;
  return take;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    ex->response.headers.clear();  // a new response (after 100 Continue)
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  ex->response.headers[name] = std::string(value);
  return size * n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* ex = static_cast<Exchange*>(user);
  return ex->request->cancel->load(std::memory_order_relaxed) ? 1 : 0;  // 1 aborts the transfer
}

Status CurlFailure(CURLcode code, const char* detail, const HttpRequest& req) {
  std::string what = fmt::format("{} {}: {}", req.method, req.url, detail[0] != '\0' ? detail : curl_easy_strerror(code));
  switch (code) {
    case CURLE_ABORTED_BY_CALLBACK:
      return Status(Code::kCancelled, what + " (cancelled)");
    case CURLE_OPERATION_TIMEDOUT:
      return Timeout(fmt::format("{} (no answer within {} ms)", what, req.timeout.count()));
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
      return FailedPrecondition(what + " (TLS certificate verification failed; set s3.ca_file for a private CA)");
    default:
      return NetworkError(what);
  }
}

}  // namespace

HttpTransport::HttpTransport(const TransportOptions& options) : options_(options) {}

Result<std::unique_ptr<HttpTransport>> HttpTransport::Create(const TransportOptions& options) {
  static const CURLcode kInit = curl_global_init(CURL_GLOBAL_DEFAULT);  // once, thread-safe
  if (kInit != CURLE_OK) return Internal(fmt::format("libcurl init failed: {}", curl_easy_strerror(kInit)));
  if (options.connections == 0) return InvalidArgument("transport needs at least one connection");
  return std::unique_ptr<HttpTransport>(new HttpTransport(options));
}

HttpTransport::~HttpTransport() {
  std::lock_guard lock(mu_);
  for (void* h : free_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* HttpTransport::Acquire() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (!free_.empty()) {
      void* h = free_.back();
      free_.pop_back();
      return h;
    }
    if (created_ < options_.connections) {
      CURL* h = curl_easy_init();
      if (h != nullptr) ++created_;
      return h;
    }
    free_cv_.wait(lock);
  }
}

void HttpTransport::Release(void* handle) {
  {
    std::lock_guard lock(mu_);
    free_.push_back(handle);
  }
  free_cv_.notify_one();
}

Result<HttpResponse> HttpTransport::Perform(const HttpRequest& req) {
  CURL* h = static_cast<CURL*>(Acquire());
  if (h == nullptr) return Internal("curl_easy_init failed");
  curl_easy_reset(h);  // keeps the handle's live connections and TLS sessions

  Exchange ex;
  ex.request = &req;
  char error[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : req.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip

  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(1, req.timeout.count())));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &ex);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &ex);
  if (req.cancel != nullptr) {
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &ex);
  }
  if (req.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (req.method == "PUT") {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(h, CURLOPT_READDATA, &ex);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  } else if (req.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }

  CURLcode code = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &ex.response.status);
  curl_slist_free_all(headers);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);  // error[] dies with this frame
  Release(h);

  if (code == CURLE_PARTIAL_FILE && ex.response.status == 206 &&
      ex.response.Header("content-range").ends_with("/0")) {
    // s3rver answers a range read of an empty object with a 206 that
    // announces one byte it never sends; the object is empty.
    ex.response.body.clear();
    return std::move(ex.response);
  }
  if (code == CURLE_WRITE_ERROR && ex.too_large) {
    return Corruption(fmt::format("{} {}: response body exceeds {} bytes", req.method, req.url,
                                  req.max_response_bytes));
  }
  if (code != CURLE_OK) return CurlFailure(code, error, req);
  return std::move(ex.response);
}

}  // namespace nasd::chunk::s3
