// A real S3-compatible server for tests: s3rver (npm, installed into the
// project's node_modules by scripts/install-deps.sh) on 127.0.0.1 and a free
// port, with its data in a temporary directory. Tests that need it FAIL when
// it cannot start; they never skip. Virtual-host addressing works through
// http://s3.localhost:PORT (s3rver's --service-endpoint localhost; curl
// resolves *.localhost to 127.0.0.1): BUCKET.s3.localhost names the bucket.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "chunk/chunk_store.h"
#include "chunk/s3/s3_options.h"
#include "common/status.h"
#include "testutil/temp_dir.h"

namespace nasd::chunk::testing {

// A TCP port on 127.0.0.1 that nothing listened on a moment ago.
int FreePort();

class S3TestServer {
 public:
  S3TestServer() = default;
  ~S3TestServer();  // stops the server
  S3TestServer(const S3TestServer&) = delete;
  S3TestServer& operator=(const S3TestServer&) = delete;

  // One server for the whole test binary, started on first use.
  static Result<S3TestServer*> Shared();

  // Starts s3rver and waits (up to 30 s) until it accepts connections.
  // With tls, it serves HTTPS with a fresh self-signed certificate for
  // 127.0.0.1 (ca_file() is its PEM). Starting a stopped server again keeps
  // its port and its data.
  Status Start(bool tls = false);
  // SIGTERM, then SIGKILL after 5 s; waits for the process. Idempotent.
  void Stop();

  std::string endpoint() const {
    return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_);
  }
  std::string ca_file() const { return tls_ ? dir_.Sub("cert.pem") : std::string(); }
  int port() const { return port_; }
  // Creates a bucket with a fresh unique name and returns the name.
  Result<std::string> NewBucket();
  // Options for bucket on this server (path style, s3rver's credentials, the
  // CA file with TLS),
  // with short retry waits so fault tests run quickly.
  s3::S3Options Options(const std::string& bucket) const;

 private:
  testutil::TempDir dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool tls_ = false;
};

// Typed-suite factory: a fresh bucket per factory; Make() reopens it.
struct S3StoreFactory {
  static constexpr const char* kName = "s3";
  std::string bucket;
  std::unique_ptr<ChunkStore> Make(ChunkStoreOptions options = {});
};

}  // namespace nasd::chunk::testing
