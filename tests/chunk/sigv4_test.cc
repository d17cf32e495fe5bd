// The SigV4 signer against AWS's published S3 examples and against botocore
// (Debian python3-botocore) on many generated requests.
#include "chunk/s3/sigv4.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "testutil/temp_dir.h"

namespace nasd::chunk::s3 {
namespace {

const Credentials kExample{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
constexpr char kEmptySha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kDate[] = "20130524T000000Z";

std::string Authorization(const SigV4Result& r) {
  for (const auto& [name, value] : r.headers) {
    if (name == "authorization") return value;
  }
  return "";
}

// Examples from "Signature Calculations for the Authorization Header" in the
// Amazon S3 API reference (sig-v4-header-based-auth).
TEST(SigV4Test, AwsExampleGetObject) {
  SigV4Request req{"GET", "/test.txt", {}, {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}},
                   kEmptySha};
  SigV4Result r = SignV4(req, kExample, "us-east-1", "s3", kDate);
  EXPECT_EQ(r.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Authorization(r),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, AwsExamplePutObject) {
  const std::string body = "Welcome to Amazon S3.";
  SigV4Request req{"PUT",
                   "/test$file.text",
                   {},
                   {{"Host", "examplebucket.s3.amazonaws.com"},
                    {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                    {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                   Sha256Hex(body)};
  EXPECT_EQ(req.payload_hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SigV4Result r = SignV4(req, kExample, "us-east-1", "s3", kDate);
  EXPECT_EQ(r.encoded_path, "/test%24file.text");
  EXPECT_EQ(r.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4Test, AwsExampleGetBucketLifecycle) {
  SigV4Request req{"GET", "/", {{"lifecycle", ""}}, {{"Host", "examplebucket.s3.amazonaws.com"}}, kEmptySha};
  SigV4Result r = SignV4(req, kExample, "us-east-1", "s3", kDate);
  EXPECT_EQ(r.encoded_query, "lifecycle=");
  EXPECT_EQ(r.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4Test, AwsExampleListObjects) {
  SigV4Request req{"GET", "/", {{"prefix", "J"}, {"max-keys", "2"}}, {{"Host", "examplebucket.s3.amazonaws.com"}},
                   kEmptySha};
  SigV4Result r = SignV4(req, kExample, "us-east-1", "s3", kDate);
  EXPECT_EQ(r.encoded_query, "max-keys=2&prefix=J") << "sorted by name";
  EXPECT_EQ(r.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Test, UriEncodeFollowsAwsRules) {
  EXPECT_EQ(UriEncode("a b/c+d=(1)&~.txt", true), "a%20b/c%2Bd%3D%281%29%26~.txt");
  EXPECT_EQ(UriEncode("a b/c", false), "a%20b%2Fc");
  EXPECT_EQ(UriEncode("\xc3\xbc", false), "%C3%BC");
  EXPECT_EQ(UriEncode("AZaz09-_.~", false), "AZaz09-_.~");
}

TEST(SigV4Test, SessionTokenIsSignedAndSent) {
  Credentials creds = kExample;
  creds.session_token = "token/with+chars=";
  SigV4Request req{"GET", "/k", {}, {{"host", "h"}}, std::string(kUnsignedPayload)};
  SigV4Result r = SignV4(req, creds, "us-east-1", "s3", kDate);
  EXPECT_NE(r.canonical_request.find("x-amz-security-token:token/with+chars=\n"), std::string::npos);
  EXPECT_NE(Authorization(r).find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"),
            std::string::npos);
  EXPECT_TRUE(r.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_EQ(Authorization(r).find(creds.secret_key), std::string::npos);
}

TEST(SigV4Test, AmzDateIsUtc) {
  EXPECT_EQ(AmzDate(std::chrono::system_clock::from_time_t(1369353600)), "20130524T000000Z");
}

// Generated requests, signed by nasd and by botocore, must match exactly.
TEST(SigV4Test, MatchesBotocoreOnGeneratedRequests) {
  const std::vector<std::string> keys = {
      "a b/c+d=(1)&~.txt", "\xc3\xbcn\xc3\xaf" "c\xc3\xb8" "d\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.txt", "plain",
      "dir//double/", "sp  aces ", "%41literal%2F", "emoji \xf0\x9f\x98\x80", "*star'quote\"", "semi;colon:@,$!",
      "chunks/ab/abcdef0123456789"};
  const std::vector<std::pair<std::string, std::string>> params = {
      {"list-type", "2"},     {"prefix", "a b/\xc3\xbc"}, {"continuation-token", "1he4OPH0KF+/=="},
      {"max-keys", "1000"},   {"delimiter", "/"},          {"uploads", ""},
      {"x", "a&b=c;d"},       {"Zed", "UPPER"},            {"a", "z"},
      {"a", "b"},             {"tag", "~*'()!"}};
  const std::vector<std::pair<std::string, std::string>> extra = {
      {"Range", "bytes=0-9"},          {"Content-Type", "application/octet-stream"},
      {"X-Amz-Meta-Note", "  spaced   value  "}, {"x-amz-storage-class", "STANDARD"},
      {"If-None-Match", "*"},          {"Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="}};
  const std::vector<std::string> methods = {"GET", "PUT", "HEAD", "DELETE", "POST"};
  std::mt19937_64 rng(42);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };

  nlohmann::json cases = nlohmann::json::array();
  std::vector<std::string> ours;
  for (int i = 0; i < 400; ++i) {
    SigV4Request req;
    req.method = methods[pick(methods.size())];
    std::string key = keys[pick(keys.size())];
    if (i % 5 == 0) {  // random bytes of printable ASCII and a few multibyte letters
      key.clear();
      for (size_t n = 1 + pick(20); n > 0; --n) {
        size_t c = pick(100);
        key += c < 95 ? std::string(1, static_cast<char>(' ' + c)) : std::string("\xce\xbb");
      }
    }
    req.path = (i % 2 == 0 ? "/bucket-" + std::to_string(i % 7) + "/" : "/") + key;
    for (size_t n = pick(4); n > 0; --n) req.query.push_back(params[pick(params.size())]);
    const std::string host = i % 3 == 0 ? "127.0.0.1:9000" : "bkt.s3.eu-west-3.amazonaws.com";
    req.headers.emplace_back(i % 2 == 0 ? "Host" : "host", host);
    for (const auto& h : extra) {
      if (pick(3) == 0) req.headers.push_back(h);
    }
    req.payload_hash = pick(2) == 0 ? std::string(kUnsignedPayload) : Sha256Hex(std::to_string(rng()));
    Credentials creds{"AKID" + std::to_string(i), "secret/" + std::to_string(rng()), ""};
    if (pick(4) == 0) creds.session_token = "tok+" + std::to_string(rng()) + "/==";
    const std::string region = pick(2) == 0 ? "us-east-1" : "eu-west-3";
    const std::string date = "2024" + std::string(pick(2) == 0 ? "0229" : "1231") + "T23595" +
                             std::to_string(pick(10)) + "Z";
    SigV4Result r = SignV4(req, creds, region, "s3", date);
    ours.push_back(Authorization(r));
    cases.push_back({{"method", req.method},        {"path", req.path},
                     {"query", req.query},          {"headers", req.headers},
                     {"payload_hash", req.payload_hash},
                     {"access_key", creds.access_key}, {"secret_key", creds.secret_key},
                     {"session_token", creds.session_token}, {"region", region},
                     {"amz_date", date},            {"ours_canonical", r.canonical_request}});
  }

  testutil::TempDir dir;
  { std::ofstream(dir.Sub("in.json")) << cases.dump(); }
  const std::string cmd = "/usr/bin/python3 " + std::string(NASD_SOURCE_DIR) + "/tests/chunk/sigv4_reference.py < " +
                          dir.Sub("in.json") + " > " + dir.Sub("out.json") + " 2> " + dir.Sub("err.txt");
  int rc = std::system(cmd.c_str());
  std::stringstream err;
  err << std::ifstream(dir.Sub("err.txt")).rdbuf();
  ASSERT_EQ(rc, 0) << "botocore reference failed (install python3-botocore: scripts/install-deps.sh): "
                   << err.str();
  nlohmann::json theirs = nlohmann::json::parse(std::ifstream(dir.Sub("out.json")));
  ASSERT_EQ(theirs.size(), ours.size());
  int mismatches = 0;
  for (size_t i = 0; i < ours.size(); ++i) {
    if (theirs[i]["authorization"] == ours[i]) continue;
    if (++mismatches > 3) continue;
    ADD_FAILURE() << "request " << i << " differs\nours:     " << ours[i]
                  << "\nbotocore: " << theirs[i]["authorization"].get<std::string>()
                  << "\nour canonical request:\n" << cases[i]["ours_canonical"].get<std::string>()
                  << "\nbotocore canonical request:\n" << theirs[i]["canonical_request"].get<std::string>();
  }
  EXPECT_EQ(mismatches, 0) << "of " << ours.size() << " requests";
}

}  // namespace
}  // namespace nasd::chunk::s3
