// The management API over a real HTTP server, with in-memory storage.
#include "api/api.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <nlohmann/json.hpp>

#include "api/api_fixture.h"
#include "meta/keys.h"

namespace nasd::api {
namespace {

using testing::ApiTest;
using testing::kToken;

TEST_F(ApiTest, ProbesNeedNoToken) {
  EXPECT_EQ(Call("GET", "/healthz", "", false).status, 200);
  EXPECT_EQ(Call("GET", "/readyz", "", false).status, 200);
  auto v = Call("GET", "/versionz", "", false);
  ASSERT_EQ(v.status, 200);
  auto j = nlohmann::json::parse(v.body);
  EXPECT_EQ(j["version"], "1.2.3");
  EXPECT_EQ(j["git_commit"], "abcdef");
  EXPECT_EQ(j["build_time"], "today");
}

TEST_F(ApiTest, ReadyzReportsUnwritableStorage) {
  fault_->Inject(chunk::FaultOp::kPut, chunk::FaultKind::kFail, 1);
  auto r = Call("GET", "/readyz", "", false);
  EXPECT_EQ(r.status, 503);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["status"], "not_ready");
  EXPECT_NE(j["reason"].get<std::string>().find("chunk store"), std::string::npos);
  EXPECT_EQ(j["chunk_store"], "degraded");
  EXPECT_FALSE(j.contains("metadata_store"));
  EXPECT_EQ(Call("GET", "/readyz", "", false).status, 200);  // the fault was one-shot
  ASSERT_TRUE(kv_->Close().ok());
  r = Call("GET", "/readyz", "", false);
  EXPECT_EQ(r.status, 503);
  j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["metadata_store"], "degraded");
  EXPECT_FALSE(j.contains("chunk_store"));
}

TEST_F(ApiTest, ReadyzAnswersWithinItsTimeoutWhileTheChunkStoreHangs) {
  ctx_.ready_probe_timeout = std::chrono::milliseconds(200);
  fault_->Inject(chunk::FaultOp::kPut, chunk::FaultKind::kDelay, 1, std::chrono::milliseconds(1500));
  auto start = std::chrono::steady_clock::now();
  auto r = Call("GET", "/readyz", "", false);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
  EXPECT_EQ(r.status, 503);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["chunk_store"], "degraded");
  EXPECT_NE(j["reason"].get<std::string>().find("the chunk store did not answer its probe within 200 ms"),
            std::string::npos) << r.body;
  EXPECT_EQ(Call("GET", "/readyz", "", false).status, 503) << "the same probe is still running";
  EXPECT_EQ(fault_->fired(), 1u) << "no second probe was started";
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(Call("GET", "/readyz", "", false).status, 200) << "the slow probe succeeded in the end";
}

TEST_F(ApiTest, ReadyzReusesASuccessfulProbeForItsTtl) {
  ctx_.ready_cache_ttl = std::chrono::hours(1);
  EXPECT_EQ(Call("GET", "/readyz", "", false).status, 200);
  fault_->Inject(chunk::FaultOp::kAny, chunk::FaultKind::kFail, chunk::FaultBackend::kForever);
  // Within the TTL no probe runs: no storage write is forced per request.
  EXPECT_EQ(Call("GET", "/readyz", "", false).status, 200);
  EXPECT_EQ(fault_->fired(), 0u);
  ctx_.ready_cache_ttl = std::chrono::milliseconds(0);
  EXPECT_EQ(Call("GET", "/readyz", "", false).status, 503);
  EXPECT_GT(fault_->fired(), 0u);
  fault_->Clear();
}

TEST_F(ApiTest, ApiNeedsTheToken) {
  auto r = Call("GET", "/api/v1/shares", "", false);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(ErrorCode(r), "unauthenticated");
  http::ClientRequest req;
  req.port = server_->port();
  req.target = "/api/v1/shares";
  for (const std::string& bad : std::vector<std::string>{"Bearer wrong", std::string("Bearer ") + kToken + "x", std::string("bearer ") + kToken,
                          std::string("Basic ") + kToken, std::string("Bearer")}) {
    req.headers.Set("authorization", bad);
    auto resp = http::Fetch(req);
    ASSERT_TRUE(resp.ok());
    EXPECT_EQ(resp->status, 401) << bad;
  }
  EXPECT_EQ(Call("GET", "/api/v1/shares").status, 200);
}

TEST_F(ApiTest, ShareLifecycle) {
  auto created = Call("POST", "/api/v1/shares", R"({"name":"docs"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.headers.Get("location").value_or(""), "/api/v1/shares/docs");
  EXPECT_EQ(nlohmann::json::parse(created.body)["name"], "docs");

  EXPECT_EQ(ErrorCode(Call("POST", "/api/v1/shares", R"({"name":"docs"})")), "already_exists");
  EXPECT_EQ(Call("POST", "/api/v1/shares", R"({"name":"docs"})").status, 409);

  auto list = Call("GET", "/api/v1/shares");
  ASSERT_EQ(list.status, 200);
  auto j = nlohmann::json::parse(list.body);
  ASSERT_EQ(j["shares"].size(), 1u);
  EXPECT_EQ(j["shares"][0]["name"], "docs");

  auto one = Call("GET", "/api/v1/shares/docs");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(nlohmann::json::parse(one.body)["empty"], true);
  EXPECT_EQ(Call("GET", "/api/v1/shares/nope").status, 404);

  EXPECT_EQ(Call("DELETE", "/api/v1/shares/docs").status, 204);
  EXPECT_EQ(Call("DELETE", "/api/v1/shares/docs").status, 404);
}

TEST_F(ApiTest, NonEmptyShareDeleteNeedsForce) {
  ASSERT_EQ(Call("POST", "/api/v1/shares", R"({"name":"full"})").status, 201);
  auto share = shares_.Get("full");
  ASSERT_TRUE(share.ok());
  kv::WriteBatch b;
  b.Put(meta::keys::DirEntryKey(share->id, 1, "a.txt"), "x");
  ASSERT_TRUE(kv_->Write(b).ok());
  std::vector<uint64_t> forgotten;
  ctx_.share_deleted = [&forgotten](uint64_t id) { forgotten.push_back(id); };
  auto refused = Call("DELETE", "/api/v1/shares/full");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(ErrorCode(refused), "not_empty");
  EXPECT_EQ(Call("DELETE", "/api/v1/shares/full?force=maybe").status, 400);
  EXPECT_TRUE(forgotten.empty()) << "a refused delete must not close the share's filesystem";
  EXPECT_EQ(Call("DELETE", "/api/v1/shares/full?force=true").status, 204);
  EXPECT_EQ(forgotten, std::vector<uint64_t>{share->id}) << "the adapters must drop the deleted share";
}

TEST_F(ApiTest, BadBodiesAreRejectedPrecisely) {
  struct Case {
    std::string body;
    int status;
  };
  for (const Case& c : {Case{R"({"name":)", 400}, Case{R"({"name":5})", 400}, Case{R"([1,2])", 400},
                        Case{R"({})", 400}, Case{R"({"name":"ok","extra":1})", 400},
                        Case{R"({"name":".dot"})", 400}, Case{R"({"name":"a/b"})", 400},
                        Case{R"({"name":"\u0000"})", 400}, Case{std::string(5000, '{'), 413}}) {
    auto r = Call("POST", "/api/v1/shares", c.body);
    EXPECT_EQ(r.status, c.status) << c.body.substr(0, 40);
    EXPECT_NE(ErrorCode(r), "<no error body>") << c.body.substr(0, 40);
  }
  http::ClientRequest req;
  req.port = server_->port();
  req.method = "POST";
  req.target = "/api/v1/shares";
  req.body = R"({"name":"x"})";
  req.headers.Set("authorization", std::string("Bearer ") + kToken);
  req.headers.Set("content-type", "text/plain");
  auto resp = http::Fetch(req);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 400);
  EXPECT_TRUE(shares_.List()->empty());
}

// Media types are case-insensitive and whitespace may precede their
// parameters (RFC 9110 8.3.1).
TEST_F(ApiTest, JsonContentTypeIsMatchedCaseInsensitively) {
  int n = 0;
  for (const char* type : {"application/json", "Application/JSON", "application/json; charset=utf-8",
                           "application/json ; charset=utf-8", " application/json"}) {
    http::ClientRequest req;
    req.port = server_->port();
    req.method = "POST";
    req.target = "/api/v1/shares";
    req.body = R"({"name":"s)" + std::to_string(n++) + R"("})";
    req.headers.Set("authorization", std::string("Bearer ") + kToken);
    req.headers.Set("content-type", type);
    auto resp = http::Fetch(req);
    ASSERT_TRUE(resp.ok());
    EXPECT_EQ(resp->status, 201) << type << ": " << resp->body;
  }
  for (const char* type : {"application/jsonx", "text/json", "application/json-seq"}) {
    http::ClientRequest req;
    req.port = server_->port();
    req.method = "POST";
    req.target = "/api/v1/shares";
    req.body = R"({"name":"never"})";
    req.headers.Set("authorization", std::string("Bearer ") + kToken);
    req.headers.Set("content-type", type);
    auto resp = http::Fetch(req);
    ASSERT_TRUE(resp.ok());
    EXPECT_EQ(resp->status, 400) << type;
  }
  EXPECT_EQ(shares_.List()->size(), 5u);
}

// A valid but deeply nested body would cost ~80 bytes of DOM per level
// (80 MB for 1 MiB); it is refused with a precise 400 before parsing.
TEST_F(ApiTest, DeeplyNestedBodyIsRefusedBeforeParsing) {
  const int depth = 1000;
  std::string nested = R"({"name":"deep","x":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
  auto r = Call("POST", "/api/v1/shares", nested);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("deeper than 32 levels"), std::string::npos) << r.body;
  // Brackets inside strings are text, not nesting.
  auto ok = Call("POST", "/api/v1/shares", R"({"name":"shallow","_":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"[["})");
  EXPECT_EQ(ok.status, 400);
  EXPECT_NE(ok.body.find("unknown field '_'"), std::string::npos) << ok.body;
  EXPECT_TRUE(shares_.List()->empty());
}

TEST_F(ApiTest, StatusReportsVolumeAndShares) {
  ASSERT_EQ(Call("POST", "/api/v1/shares", R"({"name":"a"})").status, 201);
  ASSERT_TRUE(chunks_->Put("hello").ok());
  auto r = Call("GET", "/api/v1/status");
  ASSERT_EQ(r.status, 200);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["volume_id"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(j["shares"], 1);
  EXPECT_EQ(j["storage"]["chunks"], 1);
  EXPECT_EQ(j["storage"]["chunks_counted"], true);
  EXPECT_EQ(j["storage"]["block_size"], 4u << 20);
  EXPECT_TRUE(j["storage"].contains("filesystem"));
}

TEST_F(ApiTest, MetricsExposeStorageAndRequests) {
  ASSERT_TRUE(chunks_->Put("hello").ok());
  Call("GET", "/api/v1/shares");
  auto r = Call("GET", "/metrics", "", false);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.headers.Get("content-type").value_or("").find("text/plain"), std::string::npos);
  EXPECT_NE(r.body.find("nasd_chunk_store_chunks 1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("nasd_chunk_store_usage_counted 1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("nasd_kv_commits_total"), std::string::npos);
  EXPECT_NE(r.body.find("route=\"/api/v1/shares\""), std::string::npos);
}

TEST(AuthTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

}  // namespace
}  // namespace nasd::api
