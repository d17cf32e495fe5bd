// bench_s3: ChunkStore on the S3 backend. Puts every file of --files DIR as
// one chunk with --threads writers, then gets every chunk back (verified),
// and prints MiB/s of each phase. bench/s3.sh runs it beside plain parallel
// curl PUT/GET of the same files against the same server.
//
//   bench_s3 --endpoint URL --bucket B --files DIR [--threads N]
//            [--cache-dir DIR --cache-mib N]
//
// With --cache-dir the store reads through the on-disk read cache, and the
// get phase runs twice (cold, then warm). Credentials: AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY, else S3RVER (s3rver's).
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "chunk/chunk_store.h"
#include "chunk/s3/credentials.h"
#include "chunk/s3/read_cache.h"
#include "chunk/s3/s3_backend.h"

namespace {

using Clock = std::chrono::steady_clock;
using nasd::chunk::ChunkId;
using nasd::chunk::ChunkStore;

[[noreturn]] void Die(const std::string& msg) {
  fmt::print(stderr, "bench_s3: {}\n", msg);
  std::exit(1);
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs fn(i) for i in [0, n) on `threads` threads; returns seconds.
template <typename Fn>
double Parallel(size_t n, size_t threads, Fn fn) {
  std::atomic<size_t> next{0};
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
    });
  }
  for (auto& t : pool) t.join();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  nasd::chunk::s3::S3Options o;
  o.path_style = true;
  std::string files_dir, cache_dir;
  uint64_t cache_mib = 0;
  size_t threads = 8;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) Die(a + " needs a value");
    std::string v = argv[++i];
    if (a == "--endpoint") o.endpoint = v;
    else if (a == "--bucket") o.bucket = v;
    else if (a == "--files") files_dir = v;
    else if (a == "--threads") threads = std::stoul(v);
    else if (a == "--cache-dir") cache_dir = v;
    else if (a == "--cache-mib") cache_mib = std::stoull(v);
    else Die("unknown flag " + a + " (flags: --endpoint --bucket --files --threads --cache-dir --cache-mib)");
  }
  auto creds = nasd::chunk::s3::ResolveCredentials({});
  o.credentials = creds.ok() ? *creds : nasd::chunk::s3::Credentials{"S3RVER", "S3RVER", ""};
  o.concurrency = threads;

  std::vector<std::string> data;
  uint64_t bytes = 0;
  for (const auto& e : std::filesystem::directory_iterator(files_dir)) {
    data.push_back(ReadFile(e.path()));
    bytes += data.back().size();
  }
  if (data.empty()) Die("no files in " + files_dir);
  auto backend = nasd::chunk::OpenS3Backend(o);
  if (!backend.ok()) Die(backend.status().ToString());
  std::unique_ptr<nasd::chunk::Backend> base = std::move(backend).value();
  if (!cache_dir.empty()) {
    auto cache = nasd::chunk::OpenReadCache(std::move(base), cache_dir, cache_mib << 20);
    if (!cache.ok()) Die(cache.status().ToString());
    base = std::move(cache).value();
  }
  ChunkStore store(std::move(base));
  const double mib = static_cast<double>(bytes) / (1 << 20);

  std::vector<ChunkId> ids(data.size());
  std::atomic<int> failures{0};
  double put_s = Parallel(data.size(), threads, [&](size_t i) {
    auto id = store.Put(data[i]);
    if (!id.ok()) failures.fetch_add(1);
    else ids[i] = *id;
  });
  auto get = [&] {
    return Parallel(data.size(), threads, [&](size_t i) {
      auto got = store.Get(ids[i]);
      if (!got.ok() || got->size() != data[i].size()) failures.fetch_add(1);
    });
  };
  double get_s = get();
  if (failures.load() != 0) Die(fmt::format("{} operations failed", failures.load()));
  fmt::print("put_mib_s {:.1f}\nget_mib_s {:.1f}\n", mib / put_s, mib / get_s);
  if (!cache_dir.empty()) fmt::print("warm_get_mib_s {:.1f}\n", mib / get());
  return 0;
}
