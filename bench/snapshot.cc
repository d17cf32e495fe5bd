// bench_snapshot: snapshots over RocksDB and the local chunk backend.
//
//   create     SnapshotStore::Create on shares of 1 000, 10 000 and 100 000
//              files (median of --rounds); the baseline is the 1 000-file
//              share, so a ratio near 1 shows creation does not grow with
//              the share (goal: under 50 ms at 100 000).
//   overwrite  durable 4 KiB overwrites of existing files (Write + Fsync),
//              files/s with 10 snapshots held vs none (the baseline): the
//              cost of adding versions instead of overwriting in place.
//   reclaim    after deleting every file and snapshot, one collector pass
//              with no grace period: pruning plus chunk deletes, chunks/s.
//   space      space accounting (what `snapshot list` shows) of a share of
//              100 000 blocks, 10 000 of them overwritten after a snapshot;
//              the baseline is the plain snapshot list it replaced.
//
//   bench_snapshot [--dir DIR] [--rounds N] [--overwrites N]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "chunk/chunk_store.h"
#include "chunk/local/local_backend.h"
#include "kv/retry.h"
#include "kv/rocksdb/rocksdb_engine.h"
#include "meta/keys.h"
#include "meta/records.h"
#include "meta/share_store.h"
#include "meta/share_txn.h"
#include "meta/snapshot_store.h"
#include "meta/space_usage.h"
#include "bench_util.h"
#include "vfs/filesystem.h"
#include "vfs/gc/collector.h"

namespace {

namespace stdfs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nasd::vfs::Caller;

struct Options {
  std::string dir = "build/bench-snapshot";
  int rounds = 5;
  int overwrites = 500;
};

using nasd::bench::Die;
using nasd::bench::Must;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// files empty regular files in the root of share, written straight as
// records (1 000 a transaction): populating is not what is measured.
void Populate(nasd::kv::KvEngine& kv, uint64_t share, uint64_t files) {
  for (uint64_t first = 0; first < files; first += 1000) {
    Must(nasd::kv::RunTransaction(kv, [&](nasd::kv::Transaction& t) -> nasd::Status {
           NASD_ASSIGN_OR_RETURN(nasd::meta::ShareTxn txn, nasd::meta::ShareTxn::Open(t, share));
           for (uint64_t i = first; i < std::min(files, first + 1000); ++i) {
             const uint64_t ino = 1'000'000 + i;
             nasd::meta::InodeRecord rec;
             rec.type = nasd::meta::FileType::kRegular;
             rec.mode = 0644;
             rec.nlink = 1;
             rec.generation = 1;
             NASD_RETURN_IF_ERROR(txn.PutInode(ino, rec));
             NASD_RETURN_IF_ERROR(txn.PutEntry(txn.root(), fmt::format("f{:07}", i),
                                               {ino, nasd::meta::FileType::kRegular}));
           }
           return nasd::Status::Ok();
         }),
         "populate");
  }
}

double CreateMs(nasd::kv::KvEngine& kv, uint64_t share, int rounds) {
  nasd::meta::SnapshotStore store(kv, share);
  std::vector<double> ms;
  for (int r = 0; r < rounds; ++r) {
    const auto t0 = Clock::now();
    Must(store.Create(fmt::format("bench-{}", r)).status(), "snapshot create");
    ms.push_back(Seconds(Clock::now() - t0) * 1000);
  }
  return Median(ms);
}

// blocks block records (1 000 a file) naming distinct made-up chunks, plus
// overwritten of them again after a snapshot; 1 000 records a transaction.
void PopulateBlocks(nasd::kv::KvEngine& kv, uint64_t share, uint64_t blocks, uint64_t overwritten) {
  auto put = [&](uint64_t first, uint64_t end, char tag) {
    for (uint64_t begin = first; begin < end; begin += 1000) {
      Must(nasd::kv::RunTransaction(kv, [&](nasd::kv::Transaction& t) -> nasd::Status {
             NASD_ASSIGN_OR_RETURN(nasd::meta::ShareTxn txn, nasd::meta::ShareTxn::Open(t, share));
             for (uint64_t i = begin; i < std::min(end, begin + 1000); ++i) {
               const std::string chunk = fmt::format("{}{:031}", tag, i);
               NASD_RETURN_IF_ERROR(txn.PutBlock(2'000'000 + i / 1000, i % 1000,
                                                 nasd::meta::BlockRecord{chunk, 4u << 20}));
             }
             return nasd::Status::Ok();
           }),
           "populate blocks");
    }
  };
  put(0, blocks, 'a');
  Must(nasd::meta::SnapshotStore(kv, share).Create("space").status(), "snapshot create");
  put(0, overwritten, 'b');
}

double OverwritesPerSec(nasd::vfs::Filesystem& fs, const std::vector<uint64_t>& inos, int n, char fill) {
  const std::string data(4096, fill);
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    const uint64_t ino = inos[static_cast<size_t>(i) % inos.size()];
    Must(fs.Write(Caller::Root(), ino, 0, data), "write");
    Must(fs.Fsync(ino), "fsync");
  }
  return n / Seconds(Clock::now() - t0);
}

}  // namespace

int main(int argc, char** argv) {
  nasd::bench::ProgramName() = "bench_snapshot";
  Options o;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) Die(std::string("option ") + argv[i] + " needs a value");
    const std::string flag = argv[i];
    if (flag == "--dir") o.dir = argv[i + 1];
    else if (flag == "--rounds") o.rounds = std::stoi(argv[i + 1]);
    else if (flag == "--overwrites") o.overwrites = std::stoi(argv[i + 1]);
    else Die("unknown flag " + flag);
  }
  stdfs::remove_all(o.dir);
  stdfs::create_directories(o.dir);
  auto kv = Must(nasd::kv::OpenRocksDb(o.dir + "/db"), "open rocksdb");
  nasd::chunk::ChunkStore chunks(Must(nasd::chunk::OpenLocalBackend(o.dir + "/chunks"), "open chunks"));
  nasd::meta::ShareStore shares(*kv);

  fmt::print("{:<34} {:>12} {:>12} {:>8}\n", "", "nasd", "baseline", "ratio");
  double base_ms = 0;
  for (uint64_t files : {1000, 10000, 100000}) {
    auto share = Must(shares.Create(fmt::format("s{}", files)), "share create");
    auto fs = Must(nasd::vfs::Filesystem::OpenById(*kv, chunks, share.id), "open fs");
    Populate(*kv, share.id, files);
    const double ms = CreateMs(*kv, share.id, o.rounds);
    if (files == 1000) base_ms = ms;
    fmt::print("{:<34} {:>9.3f} ms {:>9.3f} ms {:>8.2f}\n",
               fmt::format("snapshot create, {} files", files), ms, base_ms, ms / base_ms);
  }

  // Overwrites with and without snapshots held, on a fresh share.
  auto share = Must(shares.Create("ow"), "share create");
  auto fs = Must(nasd::vfs::Filesystem::OpenById(*kv, chunks, share.id), "open fs");
  std::vector<uint64_t> inos;
  for (int i = 0; i < 100; ++i) {
    auto made = Must(fs->Create(Caller::Root(), fs->root(), fmt::format("f{}", i), 0644, true), "create");
    inos.push_back(made.attr.ino);
  }
  const double plain = OverwritesPerSec(*fs, inos, o.overwrites, 'a');
  nasd::meta::SnapshotStore store(*kv, share.id);
  for (int s = 0; s < 10; ++s) {  // each snapshot holds versions of every file
    Must(store.Create(fmt::format("h{}", s)).status(), "snapshot create");
    (void)OverwritesPerSec(*fs, inos, static_cast<int>(inos.size()), static_cast<char>('b' + s));
  }
  Must(store.Create("h10").status(), "snapshot create");
  const double held = OverwritesPerSec(*fs, inos, o.overwrites, 'z');
  fmt::print("{:<34} {:>9.0f} /s {:>9.0f} /s {:>8.2f}\n", "4 KiB durable overwrites, 10 snaps", held,
             plain, held / plain);

  // Reclaim: big files, all deleted with their snapshots, one collector pass.
  auto big = Must(shares.Create("big"), "share create");
  auto bfs = Must(nasd::vfs::Filesystem::OpenById(*kv, chunks, big.id), "open fs");
  const std::string block(bfs->block_size(), 'x');
  int stored = 0;
  for (int i = 0; i < 16; ++i) {
    auto made = Must(bfs->Create(Caller::Root(), bfs->root(), fmt::format("b{}", i), 0644, true), "create");
    std::string data = block;
    for (int b = 0; b < 4; ++b) {
      data.replace(0, 16, fmt::format("{:08}{:08}", i, b));  // distinct chunks
      Must(bfs->Write(Caller::Root(), made.attr.ino, static_cast<uint64_t>(b) * block.size(), data), "write");
      ++stored;
    }
    Must(bfs->Fsync(made.attr.ino), "fsync");
  }
  nasd::meta::SnapshotStore bstore(*kv, big.id);
  Must(bstore.Create("before").status(), "snapshot");
  for (int i = 0; i < 16; ++i) Must(bfs->Unlink(Caller::Root(), bfs->root(), fmt::format("b{}", i)), "unlink");
  Must(bstore.Delete("before"), "snapshot delete");
  nasd::vfs::gc::Collector gc(*kv, chunks, nasd::vfs::gc::ProcessPins(),
                              {.grace = std::chrono::nanoseconds(0), .sweep_orphans = false});
  const auto t0 = Clock::now();
  auto report = Must(gc.RunOnce(), "gc");
  const double secs = Seconds(Clock::now() - t0);
  fmt::print("{:<34} {:>9.0f} /s {:>12} {:>8}\n",
             fmt::format("gc reclaim ({} chunks)", report.deleted), report.deleted / secs, "-", "-");
  if (report.deleted != static_cast<uint64_t>(stored)) Die("gc deleted fewer chunks than were stored");

  auto space = Must(shares.Create("space"), "share create");
  (void)Must(nasd::vfs::Filesystem::OpenById(*kv, chunks, space.id), "open fs");
  PopulateBlocks(*kv, space.id, 100'000, 10'000);
  std::vector<double> measure_ms, list_ms;
  for (int r = 0; r < o.rounds; ++r) {
    auto t1 = Clock::now();
    auto usage = Must(nasd::meta::MeasureShareSpace(*kv, space.id), "measure");
    measure_ms.push_back(Seconds(Clock::now() - t1) * 1000);
    if (usage.snapshot_bytes != 10'000ULL * (4u << 20)) Die("space accounting is off");
    t1 = Clock::now();
    Must(nasd::meta::SnapshotStore(*kv, space.id).List().status(), "list");
    list_ms.push_back(Seconds(Clock::now() - t1) * 1000);
  }
  fmt::print("{:<34} {:>9.1f} ms {:>9.3f} ms {:>8.0f}\n", "space accounting, 110 000 versions",
             Median(measure_ms), Median(list_ms), Median(measure_ms) / Median(list_ms));
  Must(kv->Close(), "close");
  stdfs::remove_all(o.dir);
  return 0;
}
