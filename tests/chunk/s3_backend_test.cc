// The S3 backend against a real s3rver: listing pages, ranges, deletes,
// unknown buckets, an endpoint that is down, and faults injected by a proxy
// (503 bursts, slow answers, dropped connections).
#include "chunk/s3/s3_backend.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "chunk_test_util.h"
#include "fault_proxy.h"

namespace nasd::chunk {
namespace {

using std::chrono::milliseconds;
using testing::RandomBytes;
using testing::S3TestServer;

class S3BackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = S3TestServer::Shared();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = *server;
    auto bucket = server_->NewBucket();
    ASSERT_TRUE(bucket.ok()) << bucket.status().ToString();
    bucket_ = *bucket;
  }

  std::unique_ptr<Backend> Open(s3::S3Options o) {
    auto b = OpenS3Backend(o);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? std::move(b).value() : nullptr;
  }
  std::unique_ptr<Backend> Open() { return Open(server_->Options(bucket_)); }
  // The bucket reached through proxy.
  std::unique_ptr<Backend> OpenVia(const testing::FaultProxy& proxy) {
    s3::S3Options o = server_->Options(bucket_);
    o.endpoint = proxy.endpoint();
    return Open(o);
  }

  // Usage once the background count finished (waits up to 20 s).
  static BackendUsage ExactUsage(const Backend& backend) {
    BackendUsage u = backend.Usage();
    for (int i = 0; i < 400 && !u.exact; ++i) {
      std::this_thread::sleep_for(milliseconds(50));
      u = backend.Usage();
    }
    EXPECT_TRUE(u.exact) << "the usage count did not finish";
    return u;
  }

  static double Seconds(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
  }

  S3TestServer* server_ = nullptr;
  std::string bucket_;
};

TEST_F(S3BackendTest, ListPaginatesWithContinuationTokensUnderThePrefix) {
  s3::S3Options o = server_->Options(bucket_);
  o.prefix = "vol1";  // becomes "vol1/"
  o.list_page_size = 3;
  auto backend = Open(o);
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend->Describe(), "s3:" + server_->endpoint() + "/" + bucket_ + "/vol1/");
  std::set<std::string> want;
  for (int i = 0; i < 10; ++i) {
    std::string name = "obj-" + std::to_string(i);
    ASSERT_TRUE(backend->PutObject(name, RandomBytes(100 + i, i)).ok());
    want.insert(name);
  }
  s3::S3Options other = server_->Options(bucket_);
  other.prefix = "vol10/";  // shares the text "vol1" but is another folder
  auto neighbour = Open(other);
  ASSERT_NE(neighbour, nullptr);
  ASSERT_TRUE(neighbour->PutObject("stranger", "x").ok());

  std::set<std::string> got;
  ASSERT_TRUE(backend->ListObjects([&](std::string_view n) { return got.insert(std::string(n)).second; }).ok());
  EXPECT_EQ(got, want);
  int seen = 0;
  ASSERT_TRUE(backend->ListObjects([&](std::string_view) { return ++seen < 5; }).ok());
  EXPECT_EQ(seen, 5) << "returning false stops the listing across pages";

  auto reopened = Open(o);  // usage is counted by a listing in the background
  ASSERT_NE(reopened, nullptr);
  BackendUsage usage = ExactUsage(*reopened);
  EXPECT_EQ(usage.objects, 10u);
  EXPECT_EQ(usage.bytes, 10u * 100 + 45);
}

// Open costs nothing whatever the bucket holds: no request until one is
// needed, so it also succeeds while the endpoint is down. Usage() starts the
// count; puts and deletes made meanwhile are counted once.
TEST_F(S3BackendTest, OpeningSendsNothingAndUsageIsCountedInTheBackground) {
  auto writer = Open();
  ASSERT_NE(writer, nullptr);
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(writer->PutObject("o" + std::to_string(i), std::string(10, 'x')).ok());
  testing::FaultProxy proxy(server_->port());
  s3::S3Options o = server_->Options(bucket_);
  o.endpoint = proxy.endpoint();
  o.list_page_size = 2;
  auto backend = Open(o);
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(proxy.requests(), 0) << "open listed or probed the bucket";
  ASSERT_TRUE(backend->DeleteObject("o0").ok());
  ASSERT_TRUE(backend->PutObject("new", "12345").ok());
  BackendUsage usage = ExactUsage(*backend);
  EXPECT_EQ(usage.objects, 7u);
  EXPECT_EQ(usage.bytes, 6u * 10 + 5);
  EXPECT_GE(proxy.requests(), 2 + 4) << "the delete, the put, four list pages";

  s3::S3Options down = server_->Options(bucket_);
  down.endpoint = "http://127.0.0.1:" + std::to_string(testing::FreePort());
  down.deadline = milliseconds(300);
  auto opened = OpenS3Backend(down);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_FALSE((*opened)->Usage().exact);
  EXPECT_EQ((*opened)->ObjectSize("o1").status().code(), Code::kNetworkError);
}  // destroying a backend whose count is failing and retrying returns at once

// The transport keeps its connections: sequential requests share one.
TEST_F(S3BackendTest, SequentialRequestsReuseOneConnection) {
  testing::FaultProxy proxy(server_->port());
  auto backend = OpenVia(proxy);
  ASSERT_NE(backend, nullptr);
  for (int i = 0; i < 10; ++i) {
    const std::string name = "seq-" + std::to_string(i);
    ASSERT_TRUE(backend->PutObject(name, RandomBytes(20000, i)).ok());
    auto got = backend->ReadObject(name, 0, 1 << 20);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == RandomBytes(20000, i));
    ASSERT_TRUE(backend->ObjectSize(name).ok());
  }
  ASSERT_TRUE(backend->DeleteObject("seq-0").ok());
  EXPECT_EQ(proxy.requests(), 31);
  EXPECT_EQ(proxy.connections(), 1) << "each request opened its own connection";
}

TEST_F(S3BackendTest, VirtualHostStyleNamesTheBucketInTheHostName) {
  s3::S3Options vhost = server_->Options(bucket_);
  vhost.path_style = false;
  vhost.endpoint = "http://s3.localhost:" + std::to_string(server_->port());  // BUCKET.s3.localhost
  vhost.prefix = "vh";
  auto backend = Open(vhost);
  ASSERT_NE(backend, nullptr);
  ASSERT_TRUE(backend->PutObject("hosted", "by host name").ok());
  // The same object through path-style requests: had the bucket also been
  // in the path, the key would have been "BUCKET/vh/hosted".
  s3::S3Options path = server_->Options(bucket_);
  path.prefix = "vh";
  auto direct = Open(path);
  ASSERT_NE(direct, nullptr);
  auto got = direct->ReadObject("hosted", 0, 100);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "by host name");
  std::vector<std::string> names;
  ASSERT_TRUE(backend->ListObjects([&](std::string_view n) { return names.emplace_back(n), true; }).ok());
  EXPECT_EQ(names, std::vector<std::string>{"hosted"});
  ASSERT_TRUE(backend->DeleteObject("hosted").ok());
  EXPECT_EQ(direct->ObjectSize("hosted").status().code(), Code::kNotFound);
  vhost.bucket = "no-such-vhost-bucket";
  EXPECT_EQ(Open(vhost)->PutObject("x", "y").code(), Code::kNotFound);
}

TEST_F(S3BackendTest, RangeReadsAreClippedToTheObject) {
  auto backend = Open();
  ASSERT_NE(backend, nullptr);
  const std::string data = RandomBytes(1000, 5);
  ASSERT_TRUE(backend->PutObject("ranged", data).ok());
  struct Case {
    uint64_t offset, length;
  };
  for (Case c : {Case{0, 1000}, Case{0, 1}, Case{10, 20}, Case{990, 100}, Case{999, 1}, Case{1000, 5},
                 Case{2000, 5}, Case{5, UINT64_MAX}, Case{UINT64_MAX - 3, UINT64_MAX}}) {
    SCOPED_TRACE(::testing::Message() << c.offset << "+" << c.length);
    auto got = backend->ReadObject("ranged", c.offset, c.length);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, c.offset >= data.size() ? "" : data.substr(c.offset, c.length));
  }
  auto size = backend->ObjectSize("ranged");
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 1000u);
  ASSERT_TRUE(backend->PutObject("empty", "").ok());
  auto empty = backend->ReadObject("empty", 0, 100);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(*empty, "");
  EXPECT_EQ(backend->ReadObject("absent", 0, 10).status().code(), Code::kNotFound);
  EXPECT_EQ(backend->ReadObject("absent", 0, 0).status().code(), Code::kNotFound);
  EXPECT_EQ(backend->ObjectSize("absent").status().code(), Code::kNotFound);
  EXPECT_EQ(backend->ReadObject("Bad/Name", 0, 1).status().code(), Code::kInvalidArgument);
}

TEST_F(S3BackendTest, DeleteOfAnAbsentObjectIsOk) {
  auto backend = Open();
  ASSERT_NE(backend, nullptr);
  EXPECT_TRUE(backend->DeleteObject("never-there").ok());
  ASSERT_TRUE(backend->PutObject("there", "abc").ok());
  EXPECT_EQ(backend->Usage().objects, 1u);
  EXPECT_TRUE(backend->DeleteObject("there").ok());
  EXPECT_TRUE(backend->DeleteObject("there").ok());
  EXPECT_EQ(backend->Usage().objects, 0u);
  EXPECT_EQ(backend->Usage().bytes, 0u);
}

TEST_F(S3BackendTest, UnknownBucketIsAClearError) {
  s3::S3Options o = server_->Options("no-such-bucket-here");
  o.credentials.secret_key = "very-secret-value";
  auto backend = Open(o);  // sends nothing: the first request finds out
  ASSERT_NE(backend, nullptr);
  Status st = backend->PutObject("x", "y");
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_NE(st.message().find("bucket 'no-such-bucket-here' does not exist"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("very-secret-value"), std::string::npos);
}

TEST_F(S3BackendTest, InvalidOptionsAreRejectedBeforeAnyRequest) {
  s3::S3Options o = server_->Options(bucket_);
  o.endpoint = "ftp://x";
  EXPECT_EQ(OpenS3Backend(o).status().code(), Code::kInvalidArgument);
  o = server_->Options("UPPER_case");
  EXPECT_EQ(OpenS3Backend(o).status().code(), Code::kInvalidArgument);
  o = server_->Options(bucket_);
  o.credentials.secret_key.clear();
  EXPECT_EQ(OpenS3Backend(o).status().code(), Code::kInvalidArgument);
  o = server_->Options(bucket_);
  o.endpoint += "/path";
  EXPECT_EQ(OpenS3Backend(o).status().code(), Code::kInvalidArgument);
}

TEST_F(S3BackendTest, DescribeNeverShowsSecrets) {
  s3::S3Options o = server_->Options(bucket_);
  o.credentials = {"S3RVER", "secret-never-shown", "token-never-shown"};
  auto backend = Open(o);  // s3rver checks the access key, not the signature
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend->Describe(), "s3:" + server_->endpoint() + "/" + bucket_ + "/");
}

TEST_F(S3BackendTest, UnknownAccessKeyIsReportedAsBadCredentialsWithoutRetries) {
  testing::FaultProxy proxy(server_->port());
  s3::S3Options o = server_->Options(bucket_);
  o.endpoint = proxy.endpoint();
  o.credentials = {"AKIDUNKNOWN", "secret-never-shown", ""};
  auto backend = Open(o);
  ASSERT_NE(backend, nullptr);
  Status st = backend->ObjectSize("x").status();
  EXPECT_EQ(st.code(), Code::kPermissionDenied);
  EXPECT_NE(st.message().find("bad credentials"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("secret-never-shown"), std::string::npos);
  EXPECT_EQ(proxy.requests(), 1) << "a 403 is not retried";
}

TEST_F(S3BackendTest, EndpointThatRefusesFailsWithANetworkError) {
  s3::S3Options o = server_->Options(bucket_);
  o.endpoint = "http://127.0.0.1:" + std::to_string(testing::FreePort());
  o.deadline = milliseconds(1500);
  auto backend = Open(o);
  ASSERT_NE(backend, nullptr);
  auto start = std::chrono::steady_clock::now();
  Status st = backend->PutObject("x", "y");
  EXPECT_EQ(st.code(), Code::kNetworkError) << st.ToString();
  EXPECT_NE(st.message().find("gave up after"), std::string::npos);
  EXPECT_LT(Seconds(start), 3.0);
}

TEST_F(S3BackendTest, EndpointThatNeverAnswersTimesOutAtTheDeadline) {
  // A socket that accepts connections (the kernel's backlog) and never answers.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 64), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  s3::S3Options o = server_->Options(bucket_);
  o.endpoint = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  o.timeout = milliseconds(300);
  o.deadline = milliseconds(1200);
  o.retry.max_attempts = 1000;
  auto backend = Open(o);
  ASSERT_NE(backend, nullptr);
  auto start = std::chrono::steady_clock::now();
  Status st = backend->ObjectSize("x").status();
  double took = Seconds(start);
  ::close(fd);
  EXPECT_EQ(st.code(), Code::kTimeout) << st.ToString();
  EXPECT_GT(took, 0.9) << "retried until the deadline";
  EXPECT_LT(took, 2.5) << "but not past it";
}

TEST_F(S3BackendTest, RetriesThrough503Bursts) {
  testing::FaultProxy proxy(server_->port());
  auto backend = OpenVia(proxy);
  ASSERT_NE(backend, nullptr);
  const std::string data = RandomBytes(300000, 8);
  proxy.FailNext(3);
  ASSERT_TRUE(backend->PutObject("burst", data).ok());
  EXPECT_EQ(proxy.failed(), 3);
  proxy.FailNext(2);
  auto got = backend->ReadObject("burst", 0, data.size());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == data);
  EXPECT_EQ(proxy.failed(), 5);
  auto direct = Open()->ReadObject("burst", 0, data.size());  // bypassing the proxy
  ASSERT_TRUE(direct.ok());
  EXPECT_TRUE(*direct == data);
}

TEST_F(S3BackendTest, Retries500And429ButNotAccessDenied) {
  testing::FaultProxy proxy(server_->port());
  auto backend = OpenVia(proxy);
  ASSERT_NE(backend, nullptr);
  proxy.FailNext(2, 500);
  ASSERT_TRUE(backend->PutObject("after-500", "x").ok());
  proxy.FailNext(2, 429);
  ASSERT_TRUE(backend->PutObject("after-429", "y").ok());
  EXPECT_EQ(proxy.failed(), 4);
  const int before = proxy.requests();
  proxy.FailNext(5, 403);
  Status st = backend->PutObject("denied", "z");
  EXPECT_EQ(st.code(), Code::kPermissionDenied) << st.ToString();
  EXPECT_NE(st.message().find("AccessDenied"), std::string::npos) << st.message();
  EXPECT_EQ(proxy.requests() - before, 1) << "a 403 is not retried";
  proxy.FailNext(0);
  EXPECT_EQ(Open()->ObjectSize("denied").status().code(), Code::kNotFound);
}

TEST_F(S3BackendTest, EndlessSlowDownFailsAtTheDeadline) {
  testing::FaultProxy proxy(server_->port());
  auto backend = OpenVia(proxy);
  ASSERT_NE(backend, nullptr);
  proxy.FailNext(1 << 30);
  auto start = std::chrono::steady_clock::now();
  Status st = backend->PutObject("never", "x");
  EXPECT_EQ(st.code(), Code::kUnavailable) << st.ToString();
  EXPECT_NE(st.message().find("SlowDown"), std::string::npos) << st.message();
  EXPECT_GE(proxy.failed(), 10) << "max_attempts bounds the retries";
  EXPECT_LT(Seconds(start), 5.0);
}

TEST_F(S3BackendTest, SlowResponsesAreRetriedAfterTheAttemptTimeout) {
  testing::FaultProxy proxy(server_->port());
  s3::S3Options o = server_->Options(bucket_);
  o.endpoint = proxy.endpoint();
  o.timeout = milliseconds(300);
  auto backend = Open(o);
  ASSERT_NE(backend, nullptr);
  proxy.DelayNext(2, milliseconds(1000));
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(backend->PutObject("slow", "slow bytes").ok());
  EXPECT_GE(proxy.requests(), 3) << "two timed-out attempts, then one that went through";
  EXPECT_LT(Seconds(start), 3.0);
  auto got = Open()->ReadObject("slow", 0, 100);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "slow bytes");
}

TEST_F(S3BackendTest, NothingAcknowledgedIsLostUnderFaults) {
  testing::FaultProxy proxy(server_->port());
  s3::S3Options o = server_->Options(bucket_);
  o.endpoint = proxy.endpoint();
  o.timeout = milliseconds(400);
  o.deadline = milliseconds(1000);
  auto opened = OpenS3Backend(o);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  ChunkStore store(std::move(opened).value());
  std::vector<std::pair<ChunkId, std::string>> acked;
  int failed = 0;
  for (int i = 0; i < 24; ++i) {
    if (i % 4 == 1) proxy.FailNext(2);
    if (i % 6 == 3) proxy.DelayNext(1, milliseconds(600));
    proxy.SetDrop(i >= 16 && i < 20);  // the server is gone for a while
    std::string data = RandomBytes(5000 + 997 * i, 100 + i);
    Result<ChunkId> id = store.Put(data);
    if (id.ok()) {
      acked.emplace_back(*id, std::move(data));
    } else {
      ++failed;
      EXPECT_TRUE(id.status().code() == Code::kNetworkError || id.status().code() == Code::kTimeout)
          << id.status().ToString();
    }
  }
  EXPECT_EQ(failed, 4) << "exactly the puts while the server was gone fail";
  EXPECT_GT(proxy.failed(), 0);
  ChunkStore direct(Open());
  for (const auto& [id, data] : acked) {
    auto got = direct.Get(id);
    ASSERT_TRUE(got.ok()) << id.ToHex() << ": " << got.status().ToString();
    EXPECT_TRUE(*got == data);
  }
}

TEST(S3RestartTest, AServerThatStopsLosesNothingAcknowledged) {
  S3TestServer server;
  Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  auto bucket = server.NewBucket();
  ASSERT_TRUE(bucket.ok()) << bucket.status().ToString();
  s3::S3Options o = server.Options(*bucket);
  o.deadline = milliseconds(1500);
  auto opened = OpenS3Backend(o);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<Backend> backend = std::move(opened).value();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(backend->PutObject("acked-" + std::to_string(i), RandomBytes(50000, i)).ok());
  }

  server.Stop();
  auto start = std::chrono::steady_clock::now();
  Status st = backend->PutObject("during-outage", "lost");
  EXPECT_EQ(st.code(), Code::kNetworkError) << st.ToString();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 4.0);
  EXPECT_EQ(backend->ReadObject("acked-0", 0, 10).status().code(), Code::kNetworkError);

  started = server.Start();  // same port, same data
  ASSERT_TRUE(started.ok()) << started.ToString();
  for (int i = 0; i < 5; ++i) {
    auto got = backend->ReadObject("acked-" + std::to_string(i), 0, 1 << 20);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == RandomBytes(50000, i));
  }
  EXPECT_EQ(backend->ObjectSize("during-outage").status().code(), Code::kNotFound);
  EXPECT_TRUE(backend->PutObject("after-outage", "back").ok()) << "pooled connections recover";
  EXPECT_EQ(backend->Usage().objects, 6u);
}

TEST(S3TlsTest, HttpsVerifiesTheServerCertificate) {
  S3TestServer tls_server;
  Status started = tls_server.Start(/*tls=*/true);
  ASSERT_TRUE(started.ok()) << started.ToString();
  auto bucket = tls_server.NewBucket();
  ASSERT_TRUE(bucket.ok()) << bucket.status().ToString();

  s3::S3Options o = tls_server.Options(*bucket);
  ASSERT_TRUE(o.endpoint.starts_with("https://"));
  auto backend = OpenS3Backend(o);  // trusts the test CA through ca_file
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  ASSERT_TRUE((*backend)->PutObject("over-tls", "sealed").ok());
  auto got = (*backend)->ReadObject("over-tls", 0, 100);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "sealed");

  o.ca_file.clear();  // the system store does not know the self-signed certificate
  auto untrusted = OpenS3Backend(o);
  ASSERT_TRUE(untrusted.ok()) << untrusted.status().ToString();
  Status st = (*untrusted)->PutObject("over-tls", "x");
  EXPECT_EQ(st.code(), Code::kFailedPrecondition) << st.ToString();
  EXPECT_NE(st.message().find("ca_file"), std::string::npos);
}

}  // namespace
}  // namespace nasd::chunk
