// The WebDAV method handlers end to end through the router, on an
// in-memory share, as the tests call them.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chunk/chunk_store.h"
#include "chunk/mem/mem_backend.h"
#include "kv/mem/mem_engine.h"
#include "meta/share_store.h"
#include "webdav/webdav.h"

namespace nasd::webdav {

// Hands out the given pieces, then ends (or fails, to simulate an abort).
class FakeBody : public http::BodyReader {
 public:
  FakeBody(std::deque<std::string> pieces, Status end, std::optional<uint64_t> length)
      : pieces_(std::move(pieces)), end_(std::move(end)), length_(length) {}
  Result<size_t> Read(char* buf, size_t cap) override {
    if (pieces_.empty()) {
      if (!end_.ok()) return end_;
      return size_t{0};
    }
    std::string& p = pieces_.front();
    size_t n = std::min(cap, p.size());
    std::memcpy(buf, p.data(), n);
    p.erase(0, n);
    if (p.empty()) pieces_.pop_front();
    return n;
  }
  Result<std::string_view> Peek() override {
    if (pieces_.empty()) {
      if (!end_.ok()) return end_;
      return std::string_view();
    }
    return std::string_view(pieces_.front());
  }
  void Consume(size_t n) override {
    std::string& p = pieces_.front();
    p.erase(0, n);
    if (p.empty()) pieces_.pop_front();
  }
  std::optional<uint64_t> content_length() const override { return length_; }

 private:
  std::deque<std::string> pieces_;
  Status end_;
  std::optional<uint64_t> length_;
};

class HandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = kv::NewMemEngine();
    chunks_ = std::make_unique<chunk::ChunkStore>(chunk::NewMemBackend(),
                                                  chunk::ChunkStoreOptions{.hash_threads = 0});
    meta::ShareStore shares(*kv_);
    ASSERT_TRUE(shares.Create("s").ok());
    vfs::FilesystemOptions options;
    options.block_size = 128 << 10;
    auto fs = vfs::Filesystem::Open(*kv_, *chunks_, "s", options);
    ASSERT_TRUE(fs.ok()) << fs.status().ToString();
    fs_ = std::move(*fs);
    DavContext ctx;
    ctx.mount = [this](std::string_view share) -> Result<std::shared_ptr<vfs::Filesystem>> {
      if (share != "s") return NotFound("no such share");
      return fs_;
    };
    ctx.authorize = [this](const http::Request&, std::string_view, uint64_t) -> Result<DavGrant> {
      if (hidden_) return NotFound("hidden");
      return DavGrant{caller_, writable_};
    };
    dav_ = std::make_unique<WebDav>(std::move(ctx));
    dav_->RegisterRoutes(router_);
  }

  http::Response Call(std::string method, std::string path,
                      std::vector<std::pair<std::string, std::string>> headers = {},
                      std::string body = "", http::BodyReader* reader = nullptr) {
    http::Request req;
    req.method = method;
    req.path = path;
    req.target = path;
    for (auto& [k, v] : headers) req.headers.Set(k, v);
    req.body = std::move(body);
    req.user = user_;
    auto m = router_.Match(method, path);
    EXPECT_NE(m.handler, nullptr) << method << " " << path;
    if (m.handler == nullptr) return http::Response{};
    req.params = m.params;
    if (m.options->stream_body) {
      FakeBody whole({req.body}, Status::Ok(), req.body.size());
      req.body_reader = reader != nullptr ? reader : &whole;
      req.body.clear();
      return (*m.handler)(req);
    }
    return (*m.handler)(req);
  }

  std::string Get(const std::string& path) {
    http::Response r = Call("GET", path);
    if (r.status != 200 || !r.source) return "<status " + std::to_string(r.status) + ">";
    std::string out;
    while (true) {
      auto part = r.source->Next();
      if (!part.ok() || part->empty()) break;
      out += part->bytes;
    }
    return out;
  }

  // The inode at a share path ("d/f"), looked up as root; 0 when missing.
  uint64_t Ino(const std::string& path) {
    uint64_t ino = fs_->root();
    size_t start = 0;
    while (start < path.size()) {
      size_t end = path.find('/', start);
      if (end == std::string::npos) end = path.size();
      auto found = fs_->Lookup(vfs::Caller::Root(), ino, path.substr(start, end - start));
      if (!found.ok()) return 0;
      ino = found->ino;
      start = end + 1;
    }
    return ino;
  }

  Status Chmod(const std::string& path, uint32_t mode) {
    uint64_t ino = Ino(path);
    if (ino == 0) return NotFound(path);
    vfs::SetAttrRequest req;
    req.mode = mode;
    return fs_->SetAttr(vfs::Caller::Root(), ino, req).status();
  }

  std::unique_ptr<kv::KvEngine> kv_;
  std::unique_ptr<chunk::ChunkStore> chunks_;
  std::shared_ptr<vfs::Filesystem> fs_;
  std::unique_ptr<WebDav> dav_;
  http::Router router_;
  bool writable_ = true;
  bool hidden_ = false;
  std::string user_ = "alice";
  vfs::Caller caller_ = vfs::Caller::Root();
};

inline constexpr char kLockBody[] =
    R"(<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>)"
    R"(<D:locktype><D:write/></D:locktype><D:owner>me</D:owner></D:lockinfo>)";

}  // namespace nasd::webdav
