#include "s3_test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "chunk/s3/http_transport.h"
#include "chunk/s3/s3_backend.h"
#include "common/random.h"

namespace nasd::chunk::testing {
namespace {

bool CanConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::abort();
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

S3TestServer::~S3TestServer() { Stop(); }

Result<S3TestServer*> S3TestServer::Shared() {
  static S3TestServer* server = nullptr;
  static Status started;
  static std::once_flag once;
  std::call_once(once, [] {
    static S3TestServer instance;  // destroyed (and stopped) at exit
    started = instance.Start();
    server = &instance;
  });
  if (!started.ok()) return started;
  return server;
}

Status S3TestServer::Start(bool tls) {
  const std::string script = std::string(NASD_SOURCE_DIR) + "/node_modules/s3rver/bin/s3rver.js";
  if (::access(script.c_str(), R_OK) != 0) {
    return FailedPrecondition(script + " is missing: run scripts/install-deps.sh (npm ci installs s3rver)");
  }
  tls_ = tls;
  const std::string key = dir_.Sub("key.pem");
  const std::string cert = dir_.Sub("cert.pem");
  if (tls) {
    const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
                            " -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) return Internal("openssl could not make a test certificate");
  }
  if (port_ == 0) port_ = FreePort();  // a restart keeps its port (and data)
  const std::string data = dir_.Sub("data");
  const std::string log = dir_.Sub("s3rver.log");
  const std::string port = std::to_string(port_);
  ::mkdir(data.c_str(), 0700);
  pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) return ErrnoStatus(errno, "fork s3rver");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    if (::getppid() != parent) ::_exit(1);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::setenv("NODE_OPTIONS", "--openssl-legacy-provider", 1);
    if (tls) {
      ::execlp("node", "node", script.c_str(), "-d", data.c_str(), "-a", "127.0.0.1", "-p", port.c_str(),
               "--no-vhost-buckets", "--service-endpoint", "localhost", "-s", "--key", key.c_str(), "--cert", cert.c_str(), static_cast<char*>(nullptr));
    } else {
      ::execlp("node", "node", script.c_str(), "-d", data.c_str(), "-a", "127.0.0.1", "-p", port.c_str(),
               "--no-vhost-buckets", "--service-endpoint", "localhost", "-s", static_cast<char*>(nullptr));
    }
    ::_exit(127);
  }
  for (int i = 0; i < 300; ++i) {
    if (CanConnect(port_)) return Status::Ok();
    int wstatus = 0;
    if (::waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      std::ifstream in(log);
      std::stringstream text;
      text << in.rdbuf();
      return Unavailable("s3rver exited at start: " + text.str());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Stop();
  return Timeout("s3rver did not accept connections within 30 s");
}

void S3TestServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

Result<std::string> S3TestServer::NewBucket() {
  static std::atomic<int> counter{0};
  std::string name = "nasd-" + RandomHex(4) + "-" + std::to_string(counter.fetch_add(1));
  NASD_ASSIGN_OR_RETURN(auto transport, s3::HttpTransport::Create({.ca_file = ca_file()}));
  s3::HttpRequest req;
  req.method = "PUT";
  req.url = endpoint() + "/" + name;  // s3rver does not check signatures
  NASD_ASSIGN_OR_RETURN(s3::HttpResponse r, transport->Perform(req));
  if (r.status != 200) return Internal("create bucket " + name + ": HTTP " + std::to_string(r.status) + " " + r.body);
  return name;
}

s3::S3Options S3TestServer::Options(const std::string& bucket) const {
  s3::S3Options o;
  o.endpoint = endpoint();
  o.bucket = bucket;
  o.path_style = true;
  o.ca_file = ca_file();
  o.credentials = {"S3RVER", "S3RVER", ""};
  o.timeout = std::chrono::milliseconds(10'000);
  o.deadline = std::chrono::milliseconds(30'000);
  o.retry.base_delay = std::chrono::milliseconds(10);
  o.retry.max_delay = std::chrono::milliseconds(200);
  return o;
}

std::unique_ptr<ChunkStore> S3StoreFactory::Make(ChunkStoreOptions options) {
  Result<S3TestServer*> server = S3TestServer::Shared();
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  if (!server.ok()) return nullptr;
  if (bucket.empty()) {
    Result<std::string> b = (*server)->NewBucket();
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (!b.ok()) return nullptr;
    bucket = *b;
  }
  auto backend = OpenS3Backend((*server)->Options(bucket));
  EXPECT_TRUE(backend.ok()) << backend.status().ToString();
  if (!backend.ok()) return nullptr;
  return std::make_unique<ChunkStore>(std::move(backend).value(), options);
}

}  // namespace nasd::chunk::testing
