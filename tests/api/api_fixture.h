// The API test fixture: every route over a real HTTP server, with in-memory
// storage and the cheapest password hashing.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/api.h"
#include "chunk/fault/fault_backend.h"
#include "chunk/mem/mem_backend.h"
#include "http/client.h"
#include "http/server.h"
#include "kv/mem/mem_engine.h"
#include "meta/user_store.h"

namespace nasd::api::testing {

constexpr char kToken[] = "test-token-0123456789";

class ApiTest : public ::testing::Test {
 protected:
  // The server's authenticator: the admin token only, or users' Basic logins too.
  virtual bool UseUserAuthenticator() const { return false; }

  void SetUp() override {
    auto fault = std::make_unique<chunk::FaultBackend>(chunk::NewMemBackend());
    fault_ = fault.get();
    chunks_ = std::make_unique<chunk::ChunkStore>(std::move(fault));
    ctx_.kv = kv_.get();
    ctx_.chunks = chunks_.get();
    ctx_.shares = &shares_;
    ctx_.users = &users_;
    ctx_.metrics = &registry_;
    ctx_.volume = meta::VolumeInfo{"0123456789abcdef0123456789abcdef", 1, 4u << 20, 1};
    ctx_.storage_path = "/tmp";
    ctx_.build = {"1.2.3", "abcdef", "today"};
    ctx_.max_api_body = 4096;
    ctx_.ready_cache_ttl = std::chrono::milliseconds(0);
    RegisterRoutes(router_, ctx_);
    RegisterStorageMetrics(registry_, *kv_, *chunks_);
    http::ServerOptions opts;
    opts.port = 0;
    opts.authenticate =
        UseUserAuthenticator() ? UserAuthenticator(kToken, users_) : BearerAuthenticator(kToken);
    server_ = std::make_unique<http::Server>(opts, router_, registry_);
    ASSERT_TRUE(server_->Start().ok());
  }

  http::ClientResponse Call(const std::string& method, const std::string& target,
                            const std::string& body = "", bool auth = true) {
    http::ClientRequest req;
    req.port = server_->port();
    req.method = method;
    req.target = target;
    req.body = body;
    if (auth) req.headers.Set("authorization", authorization_);
    if (!body.empty()) req.headers.Set("content-type", "application/json");
    auto resp = http::Fetch(req);
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    return resp.ok() ? *resp : http::ClientResponse{};
  }

  static std::string ErrorCode(const http::ClientResponse& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.contains("error")) return "<no error body>";
    return j["error"]["code"].get<std::string>();
  }

  std::string authorization_ = std::string("Bearer ") + kToken;  // what Call() sends
  std::unique_ptr<kv::KvEngine> kv_ = kv::NewMemEngine();
  chunk::FaultBackend* fault_ = nullptr;
  std::unique_ptr<chunk::ChunkStore> chunks_;
  meta::ShareStore shares_{*kv_};
  meta::UserStore users_{*kv_, meta::UserStoreOptions{meta::PasswordCost::Minimum(), {}}};
  metrics::Registry registry_;
  ApiContext ctx_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace nasd::api::testing
