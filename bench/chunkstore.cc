// bench_chunkstore: durable chunk puts and gets through ChunkStore on the
// local backend, beside a baseline that writes the same bytes to plain files
// the way any careful program would (write, fsync, rename, directory fsync)
// and reads them back with read(). Both run on the same disk in the same run,
// alternating, with the page cache dropped between phases when possible.
//
//   bench_chunkstore [--dir DIR] [--mib N] [--rounds N] [--sizes-kib 4096,64]
//                    [--threads 1,2] [--overlap-min-kib N]
//
// --overlap-min-kib sets ChunkStoreOptions::overlap_min_size (chunks at least
// that big are hashed while they are written); the store's default otherwise.
//
// Every chunk holds distinct random bytes, so deduplication never skips work.
// nasd puts are measured twice: into a fresh store, where most puts also
// create their two fan-out directories (and fsync their parents), and into a
// store whose fan-out directories already exist (the steady state of a store
// holding more than a few hundred thousand chunks).
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "chunk/chunk_store.h"
#include "chunk/local/local_backend.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string dir = "build/bench-chunkstore";
  uint64_t mib = 64;
  int rounds = 5;
  std::vector<uint64_t> sizes_kib = {4096, 64};
  std::vector<uint64_t> threads = {1, 2};
  nasd::chunk::ChunkStoreOptions store;
};

[[noreturn]] void Die(const std::string& msg) {
  fmt::print(stderr, "bench_chunkstore: {}\n", msg);
  std::exit(1);
}

void Check(bool ok, const std::string& what) {
  if (!ok) Die(fmt::format("{}: {}", what, std::strerror(errno)));
}

uint64_t ParseU64(std::string_view s, const char* flag) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v == 0) {
    Die(fmt::format("{} wants a positive integer, got '{}'", flag, s));
  }
  return v;
}

std::vector<uint64_t> ParseList(std::string_view list, const char* flag) {
  std::vector<uint64_t> out;
  while (!list.empty()) {
    size_t comma = list.find(',');
    out.push_back(ParseU64(list.substr(0, comma), flag));
    list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
  }
  if (out.empty()) Die(fmt::format("{} wants a list", flag));
  return out;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) Die(fmt::format("{} needs a value", a));
      return argv[++i];
    };
    if (a == "--dir") {
      o.dir = value();
    } else if (a == "--mib") {
      o.mib = ParseU64(value(), "--mib");
    } else if (a == "--rounds") {
      o.rounds = static_cast<int>(ParseU64(value(), "--rounds"));
    } else if (a == "--sizes-kib") {
      o.sizes_kib = ParseList(value(), "--sizes-kib");
    } else if (a == "--threads") {
      o.threads = ParseList(value(), "--threads");
    } else if (a == "--overlap-min-kib") {
      o.store.overlap_min_size = ParseU64(value(), "--overlap-min-kib") << 10;
    } else {
      Die(fmt::format(
          "unknown flag {} (flags: --dir --mib --rounds --sizes-kib --threads --overlap-min-kib)",
          a));
    }
  }
  return o;
}

// Flushes dirty pages and, when permitted, empties the page cache so the
// next phase reads from disk. Returns whether the cache was dropped.
bool DropCaches() {
  ::sync();
  int fd = ::open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, "3", 1) == 1;
  ::close(fd);
  return ok;
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (size_t i = 0; i + 8 <= n; i += 8) {
    uint64_t v = rng();
    std::memcpy(out.data() + i, &v, 8);
  }
  return out;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

void FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  Check(fd >= 0, "open " + dir);
  Check(::fsync(fd) == 0, "fsync " + dir);
  ::close(fd);
}

// Runs fn(i) for i in [0, n) on `threads` threads (i = t, t+threads, ...)
// and returns the wall time.
double ParallelFor(size_t n, uint64_t threads, const std::function<void(size_t)>& fn) {
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (uint64_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = t; i < n; i += threads) fn(i);
    });
  }
  for (auto& th : pool) th.join();
  return Seconds(Clock::now() - start);
}

using Chunks = std::vector<std::string_view>;

// --- baseline: plain files -------------------------------------------------

double BaselinePut(const std::string& dir, const Chunks& chunks, uint64_t threads) {
  fs::create_directories(dir);
  FsyncDir(dir);
  return ParallelFor(chunks.size(), threads, [&](size_t i) {
    const std::string path = fmt::format("{}/{}", dir, i);
    const std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    Check(fd >= 0, "create " + tmp);
    size_t done = 0;
    while (done < chunks[i].size()) {
      ssize_t n = ::write(fd, chunks[i].data() + done, chunks[i].size() - done);
      Check(n > 0, "write " + tmp);
      done += static_cast<size_t>(n);
    }
    Check(::fsync(fd) == 0, "fsync " + tmp);
    Check(::close(fd) == 0, "close " + tmp);
    Check(::rename(tmp.c_str(), path.c_str()) == 0, "rename " + tmp);
    FsyncDir(dir);
  });
}

double BaselineGet(const std::string& dir, const Chunks& chunks, uint64_t threads) {
  return ParallelFor(chunks.size(), threads, [&](size_t i) {
    const std::string path = fmt::format("{}/{}", dir, i);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    Check(fd >= 0, "open " + path);
    struct stat st;
    Check(::fstat(fd, &st) == 0, "stat " + path);
    std::string buf(static_cast<size_t>(st.st_size), '\0');
    size_t done = 0;
    while (done < buf.size()) {
      ssize_t n = ::read(fd, buf.data() + done, buf.size() - done);
      Check(n > 0, "read " + path);
      done += static_cast<size_t>(n);
    }
    ::close(fd);
    if (buf.size() != chunks[i].size()) Die("baseline read back the wrong size");
  });
}

// --- nasd: ChunkStore over the local backend -------------------------------

std::unique_ptr<nasd::chunk::ChunkStore> OpenStore(
    const std::string& dir, const nasd::chunk::ChunkStoreOptions& options = {}) {
  auto backend = nasd::chunk::OpenLocalBackend(dir);
  if (!backend.ok()) Die(backend.status().ToString());
  return std::make_unique<nasd::chunk::ChunkStore>(std::move(backend).value(), options);
}

double NasdPut(const std::string& dir, const Chunks& chunks, uint64_t threads,
               const nasd::chunk::ChunkStoreOptions& options) {
  auto store = OpenStore(dir, options);
  return ParallelFor(chunks.size(), threads, [&](size_t i) {
    auto id = store->Put(chunks[i]);
    if (!id.ok()) Die(id.status().ToString());
  });
}

double NasdGet(const std::string& dir, const Chunks& chunks, uint64_t threads) {
  std::vector<nasd::chunk::ChunkId> ids;
  for (std::string_view c : chunks) ids.push_back(nasd::chunk::ChunkId::Of(c));
  auto store = OpenStore(dir);
  return ParallelFor(ids.size(), threads, [&](size_t i) {
    auto data = store->Get(ids[i]);
    if (!data.ok()) Die(data.status().ToString());
    if (data->size() != chunks[i].size()) Die("nasd read back the wrong size");
  });
}

void NasdDeleteAll(const std::string& dir, const Chunks& chunks) {
  auto store = OpenStore(dir);
  for (std::string_view c : chunks) {
    nasd::Status st = store->Delete(nasd::chunk::ChunkId::Of(c));
    if (!st.ok()) Die(st.ToString());
  }
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Row {
  std::string label;
  double nasd_mbps;
  double base_mbps;
};

struct Samples {
  std::vector<double> nasd_put, nasd_put_warm, nasd_get, base_put, base_get;
};

// One round: the same bytes through nasd and the baseline, in the given order.
void RunRound(const std::string& root, const Chunks& chunks, double mb, uint64_t threads,
              const nasd::chunk::ChunkStoreOptions& options, bool nasd_first, bool* dropped,
              Samples* s) {
  const std::string nasd_dir = root + "/nasd";
  const std::string base_dir = root + "/plain";
  auto run_nasd = [&] {
    *dropped &= DropCaches();
    s->nasd_put.push_back(mb / NasdPut(nasd_dir, chunks, threads, options));
    *dropped &= DropCaches();
    s->nasd_get.push_back(mb / NasdGet(nasd_dir, chunks, threads));
    NasdDeleteAll(nasd_dir, chunks);  // leaves the fan-out directories in place
    *dropped &= DropCaches();
    s->nasd_put_warm.push_back(mb / NasdPut(nasd_dir, chunks, threads, options));
  };
  auto run_base = [&] {
    *dropped &= DropCaches();
    s->base_put.push_back(mb / BaselinePut(base_dir, chunks, threads));
    *dropped &= DropCaches();
    s->base_get.push_back(mb / BaselineGet(base_dir, chunks, threads));
  };
  if (nasd_first) {
    run_nasd();
    run_base();
  } else {
    run_base();
    run_nasd();
  }
  std::error_code ec;
  fs::remove_all(nasd_dir, ec);
  fs::remove_all(base_dir, ec);
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = ParseArgs(argc, argv);
  const std::string root = opt.dir + "/chunkstore-bench";
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directories(root);
  bool dropped = true;
  std::vector<Row> rows;
  const auto total_start = Clock::now();

  for (uint64_t kib : opt.sizes_kib) {
    const size_t size = kib << 10;
    const size_t count = std::max<uint64_t>(1, (opt.mib << 20) / size);
    const double mb = static_cast<double>(count * size) / 1e6;
    const std::string sz =
        kib % 1024 == 0 ? fmt::format("{} MiB", kib / 1024) : fmt::format("{} KiB", kib);
    for (uint64_t threads : opt.threads) {
      Samples s;
      for (int r = 0; r < opt.rounds; ++r) {
        const std::string data = RandomBytes(count * size, kib * 1000 + threads * 100 + r);
        Chunks chunks;
        for (size_t i = 0; i < count; ++i)
          chunks.push_back(std::string_view(data).substr(i * size, size));
        RunRound(root, chunks, mb, threads, opt.store, r % 2 == 0, &dropped, &s);
      }
      const std::string t = fmt::format("{}T", threads);
      rows.push_back(
          {fmt::format("{} put {} fresh store", sz, t), Median(s.nasd_put), Median(s.base_put)});
      rows.push_back(
          {fmt::format("{} put {} warm dirs", sz, t), Median(s.nasd_put_warm), Median(s.base_put)});
      rows.push_back({fmt::format("{} get {}", sz, t), Median(s.nasd_get), Median(s.base_get)});
    }
  }
  fs::remove_all(root, ec);

  fmt::print("chunk store on {}: {} MiB x {} rounds per case, page cache {}\n", opt.dir, opt.mib,
             opt.rounds, dropped ? "dropped before every phase" : "NOT dropped (no permission)");
  fmt::print(
      "nasd: ChunkStore::Put/Get, local backend (sha256 + crc32c frame + tmp/fsync/rename/dir "
      "fsync); chunks of {} KiB or more hashed while written\n",
      opt.store.overlap_min_size >> 10);
  fmt::print("baseline: plain files, write+fsync+rename+dir fsync; read() back; T = threads\n\n");
  fmt::print("{:<30} {:>10} {:>14} {:>7}\n", "case", "nasd MB/s", "baseline MB/s", "ratio");
  for (const Row& row : rows) {
    fmt::print("{:<30} {:>10.1f} {:>14.1f} {:>7.2f}\n", row.label, row.nasd_mbps, row.base_mbps,
               row.nasd_mbps / row.base_mbps);
  }
  fmt::print("\n(medians; MB = 10^6 bytes; total {:.1f} s)\n", Seconds(Clock::now() - total_start));
  return 0;
}
