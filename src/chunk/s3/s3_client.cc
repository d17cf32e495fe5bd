#include "chunk/s3/s3_client.h"

#include <random>
#include <thread>

#include <fmt/format.h>

#include "chunk/s3/xml_reader.h"

namespace nasd::chunk::s3 {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

uint64_t JitterRandom() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng();
}

bool ValidBucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  }
  return b.front() != '.' && b.front() != '-' && b.back() != '.' && b.back() != '-';
}

// The S3 error code and message of an error document ("" when absent).
std::pair<std::string, std::string> ErrorCodeOf(const HttpResponse& r) {
  if (r.body.empty()) return {};
  auto doc = ParseXml(r.body, XmlLimits{.max_bytes = 64 << 10, .max_depth = 8, .max_elements = 256});
  if (!doc.ok() || doc->name != "Error") return {};
  std::string message = doc->ChildText("Message");
  if (message.size() > 200) message.resize(200);
  return {doc->ChildText("Code"), message};
}

bool RetryableAnswer(const HttpResponse& r) {
  if (r.status >= 500 || r.status == 429) return true;
  auto [code, message] = ErrorCodeOf(r);
  return code == "SlowDown" || code == "RequestTimeout";
}

}  // namespace

std::string S3ErrorCode(const HttpResponse& response) { return ErrorCodeOf(response).first; }

Status NormalizeS3Options(S3Options& o) {
  auto bad = [](std::string_view field, std::string_view why) {
    return InvalidArgument(fmt::format("s3 {}: {}", field, why));
  };
  std::string_view ep = o.endpoint;
  if (!ep.starts_with("http://") && !ep.starts_with("https://")) {
    return bad("endpoint", fmt::format("'{}' must start with http:// or https://", o.endpoint));
  }
  std::string_view rest = ep.substr(ep.find("//") + 2);
  while (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.empty()) return bad("endpoint", fmt::format("'{}' has no host", o.endpoint));
  if (rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return bad("endpoint", fmt::format("'{}' must be scheme://host[:port] without path, query or user", o.endpoint));
  }
  o.endpoint = std::string(ep.substr(0, ep.find("//") + 2)) + std::string(rest);
  if (o.region.empty()) return bad("region", "must not be empty");
  for (char c : o.region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return bad("region", fmt::format("'{}' must be [a-z0-9-]", o.region));
    }
  }
  if (!ValidBucket(o.bucket)) {
    return bad("bucket", fmt::format("'{}' must be 3-63 characters of [a-z0-9.-]", o.bucket));
  }
  if (o.prefix.starts_with('/')) return bad("prefix", "must not start with '/'");
  if (!o.prefix.empty() && !o.prefix.ends_with('/')) o.prefix.push_back('/');
  if (o.prefix.size() > 512) return bad("prefix", "longer than 512 bytes");
  for (unsigned char c : o.prefix) {
    if (c < 0x20 || c == 0x7f) return bad("prefix", "contains a control character");
  }
  if (o.credentials.access_key.empty() || o.credentials.secret_key.empty()) {
    return bad("credentials", "an access key and a secret key are required");
  }
  if (o.concurrency < 1 || o.concurrency > 256) return bad("concurrency", "must be 1..256");
  if (o.timeout.count() <= 0 || o.deadline.count() <= 0) return bad("timeout", "timeouts must be positive");
  if (o.retry.max_attempts < 1) return bad("retry", "at least one attempt");
  if (o.list_page_size < 1 || o.list_page_size > 1000) return bad("list_page_size", "must be 1..1000");
  return Status::Ok();
}

S3Client::S3Client(const S3Options& options, std::unique_ptr<HttpTransport> transport, std::string scheme,
                   std::string host)
    : options_(options), transport_(std::move(transport)), scheme_(std::move(scheme)), host_(std::move(host)) {}

Result<std::unique_ptr<S3Client>> S3Client::Create(const S3Options& input) {
  S3Options options = input;
  NASD_RETURN_IF_ERROR(NormalizeS3Options(options));
  NASD_ASSIGN_OR_RETURN(auto transport, HttpTransport::Create({options.ca_file, options.concurrency}));
  size_t sep = options.endpoint.find("://");
  std::string scheme = options.endpoint.substr(0, sep);
  std::string host = options.endpoint.substr(sep + 3);
  if (!options.path_style) host = options.bucket + "." + host;
  return std::unique_ptr<S3Client>(new S3Client(options, std::move(transport), scheme, host));
}

std::string S3Client::Describe() const {
  return fmt::format("s3:{}/{}/{}", options_.endpoint, options_.bucket, options_.prefix);
}

HttpRequest S3Client::Sign(const S3Call& call, milliseconds timeout) const {
  SigV4Request sr;
  sr.method = call.method;
  sr.path = options_.path_style ? "/" + options_.bucket + "/" + call.key : "/" + call.key;
  if (options_.path_style && call.key.empty()) sr.path = "/" + options_.bucket;
  sr.query = call.query;
  sr.headers = call.headers;
  sr.headers.emplace_back("host", host_);
  sr.payload_hash = call.method == "PUT" ? Sha256Hex(call.body) : Sha256Hex("");
  SigV4Result signed_request = SignV4(sr, options_.credentials, options_.region, "s3",
                                      AmzDate(std::chrono::system_clock::now()));
  HttpRequest req;
  req.method = call.method;
  req.url = scheme_ + "://" + host_ + signed_request.encoded_path;
  if (!signed_request.encoded_query.empty()) req.url += "?" + signed_request.encoded_query;
  req.headers = std::move(sr.headers);
  for (auto& h : signed_request.headers) req.headers.push_back(std::move(h));
  req.body = call.body;
  req.timeout = timeout;
  req.max_response_bytes = call.max_response_bytes;
  return req;
}

Result<HttpResponse> S3Client::Call(const S3Call& call) {
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + options_.deadline;
  Status last;
  int attempt = 0;
  auto cancelled = [&] { return call.cancel != nullptr && call.cancel->load(std::memory_order_relaxed); };
  for (;;) {
    ++attempt;
    if (cancelled()) return Status(Code::kCancelled, fmt::format("S3 {} {}: cancelled", call.method, call.key));
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    HttpRequest request = Sign(call, std::min(options_.timeout, left));
    request.cancel = call.cancel;
    Result<HttpResponse> r = transport_->Perform(request);
    if (r.ok() && !RetryableAnswer(*r)) return r;
    if (!r.ok() && !r.status().retryable()) return r.status();
    last = r.ok() ? ErrorStatus(call, *r) : r.status();
    milliseconds wait = options_.retry.Backoff(attempt, JitterRandom());
    if (attempt >= options_.retry.max_attempts || Clock::now() + wait + milliseconds{1} >= deadline) break;
    for (auto until = Clock::now() + wait; Clock::now() < until && !cancelled();) {
      std::this_thread::sleep_for(std::min<Clock::duration>(milliseconds(20), until - Clock::now()));
    }
  }
  auto spent = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  return Status(last.code(), fmt::format("{} (gave up after {} attempts in {} ms; deadline {} ms)", last.message(),
                                         attempt, spent.count(), options_.deadline.count()));
}

Status S3Client::ErrorStatus(const S3Call& call, const HttpResponse& r) const {
  auto [code, message] = ErrorCodeOf(r);
  const std::string& bucket = options_.bucket;
  std::string what = fmt::format("S3 {} {}: HTTP {}{}{}", call.method, call.key.empty() ? bucket : call.key,
                                 r.status, code.empty() ? "" : " " + code, message.empty() ? "" : " (" + message + ")");
  if (code == "NoSuchBucket") {
    return NotFound(fmt::format("bucket '{}' does not exist at {} ({})", bucket, options_.endpoint, what));
  }
  if (code == "RequestTimeTooSkewed") {
    return PermissionDenied(fmt::format("clock skew: the server rejected this machine's time; fix the clock "
                                        "(NTP) ({})", what));
  }
  if (code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" || code == "InvalidToken" ||
      code == "ExpiredToken") {
    return PermissionDenied(fmt::format("bad credentials: the server rejected the access key, secret key or "
                                        "session token for bucket '{}' ({})", bucket, what));
  }
  if (code == "AuthorizationHeaderMalformed" || code == "PermanentRedirect" || r.status == 301) {
    return FailedPrecondition(fmt::format("bucket '{}' is not served at {} in region '{}'; check the "
                                          "endpoint and region ({})", bucket, options_.endpoint,
                                          options_.region, what));
  }
  if (r.status == 403) {
    return PermissionDenied(fmt::format("access denied to bucket '{}': bad credentials, clock skew or a "
                                        "missing permission ({})", bucket, what));
  }
  if (r.status == 404) return NotFound(what);
  if (code == "SlowDown" || r.status == 429 || r.status == 503) return Unavailable(what);
  if (r.status >= 500) return Status(Code::kUnavailable, what);
  if (r.status >= 400) return InvalidArgument(what);
  return IoError(what);
}

}  // namespace nasd::chunk::s3
