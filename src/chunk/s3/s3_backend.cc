#include "chunk/s3/s3_backend.h"

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "chunk/object_name.h"
#include "chunk/s3/s3_client.h"
#include "chunk/s3/xml_reader.h"
#include "common/logging.h"
#include "common/thread_annotations.h"

namespace nasd::chunk {
namespace {

using s3::HttpResponse;
using s3::S3Call;

Result<uint64_t> ParseUint(std::string_view s, std::string_view what) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    return Corruption(fmt::format("S3 sent an invalid {} '{}'", what, s.substr(0, 40)));
  }
  return v;
}

// One ListObjectsV2 page: (key, size) pairs and the next token ("" when last).
struct ListPage {
  std::vector<std::pair<std::string, uint64_t>> objects;
  std::string next_token;
};

Result<ListPage> ParseListPage(const std::string& body, const std::string& prefix) {
  NASD_ASSIGN_OR_RETURN(s3::XmlElement doc, s3::ParseXml(body));
  if (doc.name != "ListBucketResult") {
    return Corruption(fmt::format("S3 list answered <{}>, not <ListBucketResult>", doc.name.substr(0, 64)));
  }
  ListPage page;
  for (const s3::XmlElement& c : doc.children) {
    if (c.name != "Contents") continue;
    std::string key = c.ChildText("Key");
    if (!key.starts_with(prefix)) {
      return Corruption(fmt::format("S3 list returned key '{}' outside prefix '{}'", key.substr(0, 200), prefix));
    }
    NASD_ASSIGN_OR_RETURN(uint64_t size, ParseUint(c.ChildText("Size"), "object size"));
    page.objects.emplace_back(key.substr(prefix.size()), size);
  }
  std::string truncated = doc.ChildText("IsTruncated");
  if (truncated != "true" && truncated != "false") {
    return Corruption(fmt::format("S3 list has IsTruncated '{}'", truncated.substr(0, 20)));
  }
  if (truncated == "true") {
    page.next_token = doc.ChildText("NextContinuationToken");
    if (page.next_token.empty()) return Corruption("S3 list is truncated but has no NextContinuationToken");
  }
  return page;
}

// The requested bytes of a 206 answer. Servers may send a larger range
// than asked (s3rver answers "bytes=0-0" with the whole object); its
// Content-Range says where the body starts.
Result<std::string> ClipToRange(HttpResponse r, std::string_view name, uint64_t offset, uint64_t length) {
  if (r.body.size() <= length) return std::move(r.body);
  std::string range = r.Header("content-range");  // "bytes START-END/TOTAL"
  uint64_t start = 0;
  size_t dash = range.find('-');
  if (range.starts_with("bytes ") && dash != std::string::npos) {
    Result<uint64_t> parsed = ParseUint(std::string_view(range).substr(6, dash - 6), "Content-Range");
    if (parsed.ok()) start = *parsed;
  }
  if (!range.starts_with("bytes ") || dash == std::string::npos || start > offset ||
      offset - start > r.body.size()) {
    return Corruption(fmt::format("S3 returned {} bytes (Content-Range '{}') for a {}-byte range at {} of '{}'",
                                  r.body.size(), range.substr(0, 80), length, offset, name));
  }
  return r.body.substr(offset - start, length);
}

class S3Backend final : public Backend {
 public:
  explicit S3Backend(std::unique_ptr<s3::S3Client> client) : client_(std::move(client)) {}

  ~S3Backend() override {
    std::thread counter;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;  // under mu_: Usage() starts no other counter, CountLoop's wait sees it
      counter = std::move(counter_);
    }
    stop_cv_.notify_all();
    if (counter.joinable()) counter.join();
  }

  Status PutObject(std::string_view name, std::string_view data) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    S3Call call{.method = "PUT", .key = Key(name), .body = data, .max_response_bytes = 1 << 20};
    call.headers.emplace_back("content-type", "application/octet-stream");
    NASD_ASSIGN_OR_RETURN(HttpResponse r, client_->Call(call));
    if (r.status != 200) return client_->ErrorStatus(call, r);
    std::lock_guard lock(mu_);
    Track(std::string(name), data.size());
    return Status::Ok();
  }

  Result<std::string> ReadObject(std::string_view name, uint64_t offset, uint64_t length) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    if (length == 0) {  // no byte range can be empty; a HEAD still reports an absent object
      NASD_RETURN_IF_ERROR(ObjectSize(name).status());
      return std::string();
    }
    const uint64_t last = length - 1 > UINT64_MAX - offset ? UINT64_MAX - 1 : offset + length - 1;
    // A response never exceeds what was asked for (plus slack for an error document).
    const uint64_t cap = std::min<uint64_t>(length, uint64_t{1} << 36) + (64 << 10);
    S3Call call{.method = "GET", .key = Key(name), .max_response_bytes = static_cast<size_t>(cap)};
    call.headers.emplace_back("range", fmt::format("bytes={}-{}", offset, last));
    NASD_ASSIGN_OR_RETURN(HttpResponse r, client_->Call(call));
    if (r.status == 416) return std::string();  // offset at or past the end
    if (r.status == 200) {                       // the server ignored the range
      if (offset >= r.body.size()) return std::string();
      return r.body.substr(offset, length);
    }
    if (r.status != 206) return client_->ErrorStatus(call, r);
    return ClipToRange(std::move(r), name, offset, length);
  }

  Result<uint64_t> ObjectSize(std::string_view name) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    S3Call call{.method = "HEAD", .key = Key(name)};
    NASD_ASSIGN_OR_RETURN(HttpResponse r, client_->Call(call));
    if (r.status == 404) {
      return NotFound(fmt::format("object '{}' not found in bucket '{}'", name, client_->options().bucket));
    }
    if (r.status != 200) return client_->ErrorStatus(call, r);
    return ParseUint(r.Header("content-length"), "Content-Length");
  }

  Status DeleteObject(std::string_view name) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    S3Call call{.method = "DELETE", .key = Key(name), .max_response_bytes = 1 << 20};
    NASD_ASSIGN_OR_RETURN(HttpResponse r, client_->Call(call));
    bool gone = r.status == 204 || r.status == 200;
    // An absent key is already gone; an absent bucket is an error.
    if (r.status == 404 && s3::S3ErrorCode(r) != "NoSuchBucket") gone = true;
    if (!gone) return client_->ErrorStatus(call, r);
    std::lock_guard lock(mu_);
    auto it = sizes_.find(std::string(name));
    if (it != sizes_.end()) {
      usage_.bytes -= it->second;
      --usage_.objects;
      sizes_.erase(it);
    }
    if (counting_) deleted_while_counting_.insert(std::string(name));
    return Status::Ok();
  }

  Status ListObjects(const std::function<bool(std::string_view name)>& fn) override {
    return ListPages([&](const std::string& name, uint64_t) { return fn(name); });
  }

  // The first call starts the count of what the bucket held before this
  // process (a background listing); until it completes the figures are a
  // lower bound (exact = false).
  BackendUsage Usage() const override {
    std::lock_guard lock(mu_);
    if (!counter_.joinable() && !stopping_) counter_ = std::thread([this] { CountLoop(); });
    BackendUsage out = usage_;
    out.exact = counted_;
    return out;
  }

  std::string Describe() const override { return client_->Describe(); }

 private:
  std::string Key(std::string_view name) const { return client_->options().prefix + std::string(name); }

  void Track(const std::string& name, uint64_t size) REQUIRES(mu_) {
    deleted_while_counting_.erase(name);
    auto [it, inserted] = sizes_.try_emplace(name, size);
    if (!inserted) {
      usage_.bytes -= it->second;
      it->second = size;
    } else {
      ++usage_.objects;
    }
    usage_.bytes += size;
  }

  // Lists the bucket until one listing completes, retrying failures with a
  // growing pause; stops with the backend (an S3 request in flight is
  // cancelled).
  void CountLoop() const {
    auto pause = std::chrono::seconds(1);
    for (;;) {
      Status st = CountOnce();
      std::unique_lock lock(mu_);
      if (stopping_) return;
      if (st.ok()) {
        log::Info("s3.usage_counted")
            .Str("bucket", client_->Describe())
            .Int("objects", static_cast<int64_t>(usage_.objects))
            .Int("bytes", static_cast<int64_t>(usage_.bytes));
        return;
      }
      log::Warn("s3.usage_count_failed").Str("error", st.ToString()).Int("retry_in_s", pause.count());
      stop_cv_.wait_for(lock, pause, [&] { return stopping_.load(); });
      if (stopping_) return;
      pause = std::min<std::chrono::seconds>(pause * 2, std::chrono::minutes(5));
    }
  }

  // One listing: adds the objects not known yet. Puts and deletes may run
  // meanwhile; a listed name deleted since is not counted again.
  Status CountOnce() const {
    {
      std::lock_guard lock(mu_);
      counting_ = true;
    }
    Status st = ListPages(
        [&](const std::string& name, uint64_t size) {
          std::lock_guard lock(mu_);
          if (!deleted_while_counting_.contains(name) && sizes_.try_emplace(name, size).second) {
            ++usage_.objects;
            usage_.bytes += size;
          }
          return true;
        },
        &stopping_);
    std::lock_guard lock(mu_);
    counting_ = false;
    deleted_while_counting_.clear();
    counted_ = st.ok();
    return st;
  }

  // Calls fn for every valid object name under the prefix, page by page,
  // holding no lock (fn may call back into the backend). cancel: see S3Call.
  Status ListPages(const std::function<bool(const std::string&, uint64_t)>& fn,
                   const std::atomic<bool>* cancel = nullptr) const {
    const std::string& prefix = client_->options().prefix;
    std::string token;
    for (;;) {
      S3Call call{.method = "GET", .cancel = cancel};
      call.query = {{"list-type", "2"}, {"max-keys", std::to_string(client_->options().list_page_size)}};
      if (!prefix.empty()) call.query.emplace_back("prefix", prefix);
      if (!token.empty()) call.query.emplace_back("continuation-token", token);
      NASD_ASSIGN_OR_RETURN(HttpResponse r, client_->Call(call));
      if (r.status != 200) return client_->ErrorStatus(call, r);
      NASD_ASSIGN_OR_RETURN(ListPage page, ParseListPage(r.body, prefix));
      for (const auto& [name, size] : page.objects) {
        if (!IsValidObjectName(name)) continue;
        if (!fn(name, size)) return Status::Ok();
      }
      if (page.next_token.empty()) return Status::Ok();
      if (page.next_token == token) return Corruption("S3 list repeated its continuation token");
      token = std::move(page.next_token);
    }
  }

  const std::unique_ptr<s3::S3Client> client_;
  // The usage count (CountLoop) runs on counter_, started by the first
  // Usage() call: const methods that change only this bookkeeping.
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, uint64_t> sizes_ GUARDED_BY(mu_);
  mutable BackendUsage usage_ GUARDED_BY(mu_);
  mutable bool counting_ GUARDED_BY(mu_) = false;
  mutable bool counted_ GUARDED_BY(mu_) = false;
  mutable std::unordered_set<std::string> deleted_while_counting_ GUARDED_BY(mu_);
  // Set once, under mu_ (so waits on stop_cv_ see it); read without it by
  // the S3 requests of a listing in flight, which it cancels.
  std::atomic<bool> stopping_{false};
  mutable std::condition_variable stop_cv_;
  mutable std::thread counter_ GUARDED_BY(mu_);
};

}  // namespace

Result<std::unique_ptr<Backend>> OpenS3Backend(const s3::S3Options& options) {
  NASD_ASSIGN_OR_RETURN(auto client, s3::S3Client::Create(options));
  return std::unique_ptr<Backend>(std::make_unique<S3Backend>(std::move(client)));
}

}  // namespace nasd::chunk
