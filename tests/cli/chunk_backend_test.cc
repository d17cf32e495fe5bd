// The config -> chunk backend wiring shared by `init` and `serve`.
#include "cli/chunk_backend.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "chunk/fault/fault_backend.h"
#include "chunk/mem/mem_backend.h"
#include "testutil/temp_dir.h"

namespace nasd::cli {
namespace {

chunk::s3::EnvLookup NoEnv() {
  return [](const char*) -> std::optional<std::string> { return std::nullopt; };
}

TEST(ChunkBackendTest, S3OptionsComeFromTheConfigSection) {
  S3Config s3;
  s3.endpoint = "https://s3.example.test";
  s3.bucket = "b1";
  s3.region = "eu-west-3";
  s3.prefix = "p";
  s3.path_style = true;
  s3.access_key = "AKID";
  s3.secret_key = "secret";
  s3.ca_file = "/ca.pem";
  s3.concurrency = 3;
  s3.timeout = std::chrono::milliseconds(1500);
  s3.deadline = std::chrono::milliseconds(9000);
  auto o = S3OptionsFromConfig(s3, NoEnv());
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->endpoint, s3.endpoint);
  EXPECT_EQ(o->bucket, "b1");
  EXPECT_EQ(o->region, "eu-west-3");
  EXPECT_EQ(o->prefix, "p");
  EXPECT_TRUE(o->path_style);
  EXPECT_EQ(o->credentials.access_key, "AKID");
  EXPECT_EQ(o->credentials.secret_key, "secret");
  EXPECT_EQ(o->ca_file, "/ca.pem");
  EXPECT_EQ(o->concurrency, 3u);
  EXPECT_EQ(o->timeout.count(), 1500);
  EXPECT_EQ(o->deadline.count(), 9000);
}

TEST(ChunkBackendTest, S3CredentialsFallBackToTheEnvironment) {
  S3Config s3;
  s3.endpoint = "https://s3.example.test";
  s3.bucket = "b1";
  auto env = [](const char* name) -> std::optional<std::string> {
    std::string n = name;
    if (n == "AWS_ACCESS_KEY_ID") return "ENVID";
    if (n == "AWS_SECRET_ACCESS_KEY") return "envsecret";
    return std::nullopt;
  };
  auto o = S3OptionsFromConfig(s3, env);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->credentials.access_key, "ENVID");
  EXPECT_EQ(S3OptionsFromConfig(s3, NoEnv()).status().code(), Code::kFailedPrecondition);
}

TEST(ChunkBackendTest, LocalConfigOpensTheChunksFolder) {
  testutil::TempDir dir;
  Config config;
  config.storage.path = dir.str();
  auto backend = OpenChunkBackend(config);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  EXPECT_EQ((*backend)->Describe(), "local:" + dir.str() + "/chunks");
}

// Opening sends no request (the bucket is listed lazily), so no server is
// needed here.
TEST(ChunkBackendTest, S3WithoutReadCacheRemovesAnOldCacheFolder) {
  testutil::TempDir dir;
  Config config;
  config.storage.path = dir.str();
  config.storage.backend = "s3";
  config.storage.s3.endpoint = "http://127.0.0.1:9";
  config.storage.s3.bucket = "nasd-test";
  config.storage.s3.access_key = "AKID";
  config.storage.s3.secret_key = "secret";
  config.storage.s3.read_cache = 0;
  const std::string cache = S3CachePath(dir.str());
  ASSERT_TRUE(std::filesystem::create_directories(cache + "/ab"));
  { std::ofstream(cache + "/ab/chunk") << "old cached bytes"; }
  auto backend = OpenChunkBackend(config);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(cache)) << "a cache nobody reads was left behind";
  EXPECT_TRUE(std::filesystem::exists(dir.str())) << "only the cache folder goes";
}

TEST(ChunkBackendTest, ProbeWritesReadsAndDeletes) {
  auto mem = chunk::NewMemBackend();
  ASSERT_TRUE(ProbeBackend(*mem).ok());
  EXPECT_EQ(mem->Usage().objects, 0u) << "the probe is deleted";
  chunk::FaultBackend faulty(*mem);
  faulty.Inject(chunk::FaultOp::kPut, chunk::FaultKind::kFail);
  Status st = ProbeBackend(faulty);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("write probe object"), std::string::npos) << st.message();
  faulty.Inject(chunk::FaultOp::kRead, chunk::FaultKind::kCorrupt);
  st = ProbeBackend(faulty);
  EXPECT_EQ(st.code(), Code::kCorruption) << st.ToString();
  faulty.Inject(chunk::FaultOp::kDelete, chunk::FaultKind::kFail);
  st = ProbeBackend(faulty);
  EXPECT_NE(st.message().find("delete probe object"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace nasd::cli
