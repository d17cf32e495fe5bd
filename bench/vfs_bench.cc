// bench_vfs: the filesystem layer (vfs::Filesystem over RocksDB and the local
// chunk backend) beside plain syscalls on a directory of the same disk, in
// the same run, with the page cache dropped between phases:
//
//   small files   create + write 4 KiB + durable close, files/s. nasd:
//                 Create, Write, Fsync (two KV commits), and the upload path
//                 CreateTemp, Write, PublishTemp (one). Baseline:
//                 open(O_CREAT|O_EXCL), write, fsync, close (equally
//                 durable). Also with T threads.
//   stat          GetAttr of every small file vs stat(2), per second.
//   seq write     N MiB in 1 MiB writes, then Fsync / fsync, MiB/s.
//   seq read      the same file in 1 MiB reads, cold cache, MiB/s.
//
//   bench_vfs [--dir DIR] [--files N] [--mib N] [--rounds N] [--threads N]
//
// Each figure is the median of --rounds rounds; the ratio is nasd/baseline.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "chunk/chunk_store.h"
#include "chunk/local/local_backend.h"
#include "kv/rocksdb/rocksdb_engine.h"
#include "meta/share_store.h"
#include "bench_util.h"
#include "vfs/filesystem.h"

namespace {

namespace stdfs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nasd::vfs::Caller;

struct Options {
  std::string dir = "build/bench-vfs";
  int files = 2000;
  uint64_t mib = 1024;
  int rounds = 3;
  int threads = 4;
};

using nasd::bench::Die;
using nasd::bench::Must;
void Sys(bool ok, const char* what) {
  if (!ok) Die(fmt::format("{}: {}", what, std::strerror(errno)));
}

// Flushes dirty pages and drops the page cache (root only; harmless otherwise).
void DropCaches() {
  ::sync();
  std::ofstream("/proc/sys/vm/drop_caches") << "3\n";
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Nasd {
  std::unique_ptr<nasd::kv::KvEngine> kv;
  std::unique_ptr<nasd::chunk::ChunkStore> chunks;
  std::unique_ptr<nasd::vfs::Filesystem> fs;

  explicit Nasd(const std::string& dir) {
    stdfs::create_directories(dir);
    kv = Must(nasd::kv::OpenRocksDb(dir + "/meta"), "open rocksdb");
    chunks = std::make_unique<nasd::chunk::ChunkStore>(
        Must(nasd::chunk::OpenLocalBackend(dir + "/chunks"), "open chunks"));
    Must(nasd::meta::ShareStore(*kv).Create("bench").status(), "create share");
    fs = Must(nasd::vfs::Filesystem::Open(*kv, *chunks, "bench"), "open share");
  }
  uint64_t Mkdir(const std::string& name) {
    return Must(fs->Mkdir(Caller::Root(), fs->root(), name, 0755), "mkdir").ino;
  }
};

// Runs fn(i) for i in [0, n) on t threads; returns the elapsed seconds.
double Parallel(int n, int t, const std::function<void(int)>& fn) {
  std::atomic<int> next{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int k = 0; k < t; ++k) {
    threads.emplace_back([&] {
      for (int i; (i = next.fetch_add(1)) < n;) fn(i);
    });
  }
  for (auto& th : threads) th.join();
  return Seconds(start);
}

void Report(const std::string& what, const std::string& unit, double nasd, double base) {
  fmt::print("{:<34} nasd {:>10.1f} {:<6} baseline {:>10.1f} {:<6} ratio {:.2f}\n", what, nasd,
             unit, base, unit, nasd / base);
}

}  // namespace

int main(int argc, char** argv) {
  nasd::bench::ProgramName() = "bench_vfs";
  Options o;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) Die(std::string("option ") + argv[i] + " needs a value");
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--dir") o.dir = v;
    else if (k == "--files") o.files = std::stoi(v);
    else if (k == "--mib") o.mib = std::stoull(v);
    else if (k == "--rounds") o.rounds = std::stoi(v);
    else if (k == "--threads") o.threads = std::stoi(v);
    else Die("unknown option " + k + " (see the comment at the top of bench/vfs_bench.cc)");
  }
  stdfs::remove_all(o.dir);
  Nasd n(o.dir + "/nasd");
  const std::string plain = o.dir + "/plain";
  stdfs::create_directories(plain);
  const std::string page(4096, 'p');
  fmt::print("bench_vfs: {} files of 4 KiB, {} MiB sequential, {} rounds, baseline: plain syscalls in {}\n",
             o.files, o.mib, o.rounds, plain);

  for (int threads : {1, o.threads}) {
    std::vector<double> nasd_rate, nasd_upload, base_rate, nasd_stat, base_stat;
    for (int r = 0; r < o.rounds; ++r) {
      const std::string tag = fmt::format("t{}r{}", threads, r);
      uint64_t dir = n.Mkdir(tag);
      std::vector<uint64_t> inos(o.files);
      DropCaches();
      double s = Parallel(o.files, threads, [&](int i) {
        auto made = Must(n.fs->Create(Caller::Root(), dir, fmt::format("f{}", i), 0644, true), "create");
        Must(n.fs->Write(Caller::Root(), made.attr.ino, 0, page).status(), "write");
        Must(n.fs->Fsync(made.attr.ino), "fsync");
        inos[i] = made.attr.ino;
      });
      nasd_rate.push_back(o.files / s);
      // The upload path (WebDAV PUT): a temp file published with its data in
      // one transaction.
      uint64_t udir = n.Mkdir(tag + "u");
      // The folder as the upload looked it up (CreateTemp takes its attributes).
      const nasd::vfs::Attr uattr = Must(n.fs->GetAttr(udir), "stat upload folder");
      DropCaches();
      s = Parallel(o.files, threads, [&](int i) {
        auto tmp = Must(n.fs->CreateTemp(Caller::Root(), uattr, 0644), "create temp");
        Must(n.fs->Write(Caller::Root(), tmp.ino, 0, page).status(), "write");
        Must(n.fs->PublishTemp(Caller::Root(), tmp.ino, udir, fmt::format("f{}", i)).status(), "publish");
      });
      nasd_upload.push_back(o.files / s);
      const std::string pdir = plain + "/" + tag;
      stdfs::create_directories(pdir);
      DropCaches();
      s = Parallel(o.files, threads, [&](int i) {
        int fd = ::open(fmt::format("{}/f{}", pdir, i).c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
        Sys(fd >= 0, "open");
        Sys(::write(fd, page.data(), page.size()) == 4096, "write");
        Sys(::fsync(fd) == 0, "fsync");
        ::close(fd);
      });
      base_rate.push_back(o.files / s);
      if (threads == 1) {
        DropCaches();
        s = Parallel(o.files, 1, [&](int i) { Must(n.fs->GetAttr(inos[i]).status(), "getattr"); });
        nasd_stat.push_back(o.files / s);
        DropCaches();
        s = Parallel(o.files, 1, [&](int i) {
          struct stat st;
          Sys(::stat(fmt::format("{}/f{}", pdir, i).c_str(), &st) == 0, "stat");
        });
        base_stat.push_back(o.files / s);
      }
    }
    Report(fmt::format("4 KiB create+write+fsync, {} thr", threads), "files/s", Median(nasd_rate),
           Median(base_rate));
    Report(fmt::format("4 KiB upload (temp+publish), {} thr", threads), "files/s",
           Median(nasd_upload), Median(base_rate));
    {
      auto st = n.kv->Stats();
      fmt::print("  (kv so far: {} commits, {} conflicts retried)\n", st.commits, st.conflicts);
    }
    if (threads == 1) Report("stat (cold cache)", "ops/s", Median(nasd_stat), Median(base_stat));
  }

  std::string buf(1 << 20, '\0');
  std::mt19937_64 rng(42);
  for (size_t i = 0; i < buf.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(buf.data() + i, &v, 8);
  }
  std::vector<double> nw, bw, nr, br;
  for (int r = 0; r < o.rounds; ++r) {
    const std::string name = fmt::format("big{}", r);
    buf[0] = static_cast<char>(r);  // distinct content per round: no dedup
    DropCaches();
    auto start = Clock::now();
    auto made = Must(n.fs->Create(Caller::Root(), n.fs->root(), name, 0644, true), "create");
    for (uint64_t m = 0; m < o.mib; ++m) {
      buf[8] = static_cast<char>(m);
      buf[9] = static_cast<char>(m >> 8);
      Must(n.fs->Write(Caller::Root(), made.attr.ino, m << 20, buf).status(), "write");
    }
    Must(n.fs->Fsync(made.attr.ino), "fsync");
    nw.push_back(o.mib / Seconds(start));
    DropCaches();
    start = Clock::now();
    int fd = ::open((plain + "/" + name).c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
    Sys(fd >= 0, "open");
    for (uint64_t m = 0; m < o.mib; ++m) {
      buf[8] = static_cast<char>(m);
      buf[9] = static_cast<char>(m >> 8);
      Sys(::write(fd, buf.data(), buf.size()) == static_cast<ssize_t>(buf.size()), "write");
    }
    Sys(::fsync(fd) == 0, "fsync");
    ::close(fd);
    bw.push_back(o.mib / Seconds(start));

    DropCaches();
    start = Clock::now();
    for (uint64_t m = 0; m < o.mib; ++m) {
      auto got = Must(n.fs->Read(made.attr.ino, m << 20, 1 << 20), "read");
      if (got.size() != buf.size()) Die("short read");
    }
    nr.push_back(o.mib / Seconds(start));
    DropCaches();
    start = Clock::now();
    fd = ::open((plain + "/" + name).c_str(), O_RDONLY);
    Sys(fd >= 0, "open");
    for (uint64_t m = 0; m < o.mib; ++m) {
      Sys(::read(fd, buf.data(), buf.size()) == static_cast<ssize_t>(buf.size()), "read");
    }
    ::close(fd);
    br.push_back(o.mib / Seconds(start));
    Must(n.fs->Unlink(Caller::Root(), n.fs->root(), name), "unlink");
    stdfs::remove(plain + "/" + name);
  }
  Report(fmt::format("sequential write {} MiB + fsync", o.mib), "MiB/s", Median(nw), Median(bw));
  Report(fmt::format("sequential read {} MiB (cold)", o.mib), "MiB/s", Median(nr), Median(br));
  n.fs.reset();
  stdfs::remove_all(o.dir);
  return 0;
}
