// RocksDB-specific behaviour: persistence across reopen and the DB lock.
#include "kv/rocksdb/rocksdb_engine.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kv/rocksdb/db_state.h"
#include "testutil/temp_dir.h"

namespace nasd::kv {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

class RocksDbEngineTest : public ::testing::Test {
 protected:
  std::unique_ptr<KvEngine> Open() {
    Result<std::unique_ptr<KvEngine>> engine = OpenRocksDb(path_);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? std::move(engine).value() : nullptr;
  }

  static std::optional<std::string> Read(KvEngine& engine, std::string_view key) {
    Result<std::optional<std::string>> value = engine.Get(key);
    EXPECT_TRUE(value.ok()) << value.status().ToString();
    return value.ok() ? *value : std::nullopt;
  }

  testutil::TempDir dir_;
  const std::string path_ = dir_.Sub("meta");
};

TEST_F(RocksDbEngineTest, DataSurvivesCloseAndReopen) {
  {
    std::unique_ptr<KvEngine> engine = Open();
    ASSERT_NE(engine, nullptr);
    WriteBatch batch;
    batch.Put("batch", "1");
    ASSERT_TRUE(engine->Write(batch).ok());
    std::unique_ptr<Transaction> txn = engine->Begin();
    txn->Put(std::string("txn\0", 4), std::string("2\xff", 2));
    ASSERT_TRUE(txn->Commit().ok());
    ASSERT_TRUE(engine->Close().ok());
  }
  std::unique_ptr<KvEngine> engine = Open();
  ASSERT_NE(engine, nullptr);
  EXPECT_THAT(Read(*engine, "batch"), Optional(std::string("1")));
  EXPECT_THAT(Read(*engine, std::string("txn\0", 4)), Optional(std::string("2\xff", 2)));
}

// A commit skips re-reading keys whose lock stripe nobody wrote since its
// snapshot; when another key of the stripe was written, it compares values:
// a change to the key conflicts, one to its stripe neighbour does not.
TEST_F(RocksDbEngineTest, ValidationTellsAKeyFromItsStripeNeighbour) {
  std::unique_ptr<KvEngine> engine = Open();
  ASSERT_NE(engine, nullptr);
  std::string neighbour;
  for (int i = 0; neighbour.empty(); ++i) {
    std::string key = "n" + std::to_string(i);
    if (KeyStripes::StripeOf(key) == KeyStripes::StripeOf("k")) neighbour = key;
  }
  auto write = [&](std::string_view key, std::string_view value) {
    std::unique_ptr<Transaction> txn = engine->Begin();
    txn->Put(key, value);
    ASSERT_TRUE(txn->Commit().ok());
  };
  write("k", "0");

  std::unique_ptr<Transaction> t1 = engine->Begin();
  ASSERT_THAT(t1->Get("k").value(), Optional(std::string("0")));
  write(neighbour, "x");
  t1->Put("out", "1");
  EXPECT_TRUE(t1->Commit().ok());

  std::unique_ptr<Transaction> t2 = engine->Begin();
  ASSERT_THAT(t2->Get("k").value(), Optional(std::string("0")));
  write(neighbour, "y");
  write("k", "2");
  t2->Put("out", "2");
  EXPECT_EQ(t2->Commit().code(), Code::kConflict);
  EXPECT_THAT(Read(*engine, "out"), Optional(std::string("1")));
}

TEST_F(RocksDbEngineTest, DestructorClosesCleanly) {
  {
    std::unique_ptr<KvEngine> engine = Open();
    ASSERT_NE(engine, nullptr);
    WriteBatch batch;
    batch.Put("k", "v");
    ASSERT_TRUE(engine->Write(batch).ok());
  }
  std::unique_ptr<KvEngine> engine = Open();
  ASSERT_NE(engine, nullptr);
  EXPECT_THAT(Read(*engine, "k"), Optional(std::string("v")));
}

TEST_F(RocksDbEngineTest, NonDurableWritesSurviveCleanClose) {
  {
    std::unique_ptr<KvEngine> engine = Open();
    ASSERT_NE(engine, nullptr);
    WriteBatch batch;
    batch.Put("lazy-batch", "1");
    ASSERT_TRUE(engine->Write(batch, WriteOptions{.durable = false}).ok());
    std::unique_ptr<Transaction> txn = engine->Begin(WriteOptions{.durable = false});
    txn->Put("lazy-txn", "2");
    ASSERT_TRUE(txn->Commit().ok());
    ASSERT_TRUE(engine->Close().ok());
  }
  std::unique_ptr<KvEngine> engine = Open();
  ASSERT_NE(engine, nullptr);
  EXPECT_THAT(Read(*engine, "lazy-batch"), Optional(std::string("1")));
  EXPECT_THAT(Read(*engine, "lazy-txn"), Optional(std::string("2")));
}

TEST_F(RocksDbEngineTest, DurableCommitsSyncTheLogAndShareSyncs) {
  auto engine = Open();
  ASSERT_NE(engine, nullptr);
  auto commit = [&](std::string key, bool durable) {
    auto txn = engine->Begin(WriteOptions{.durable = durable});
    txn->Put(key, "v");
    return txn->Commit();
  };
  const uint64_t before = engine->Stats().wal_syncs;
  ASSERT_TRUE(commit("quiet", false).ok());
  WriteBatch quiet;
  quiet.Put("quiet-batch", "v");
  ASSERT_TRUE(engine->Write(quiet, WriteOptions{.durable = false}).ok());
  EXPECT_EQ(engine->Stats().wal_syncs, before);  // nothing asked for durability
  ASSERT_TRUE(commit("durable", true).ok());
  EXPECT_EQ(engine->Stats().wal_syncs, before + 1);
  WriteBatch durable;
  durable.Put("durable-batch", "v");
  ASSERT_TRUE(engine->Write(durable).ok());
  EXPECT_EQ(engine->Stats().wal_syncs, before + 2);
  // Concurrent durable commits: each returns only after a sync covering it,
  // and syncs are shared (never more than one per commit).
  const uint64_t start = engine->Stats().wal_syncs;
  constexpr int kThreads = 8, kEach = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (!commit("k" + std::to_string(t) + "-" + std::to_string(i), true).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  const uint64_t syncs = engine->Stats().wal_syncs - start;
  EXPECT_GE(syncs, 1u);
  EXPECT_LE(syncs, uint64_t{kThreads * kEach});
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(Read(*engine, "k" + std::to_string(t) + "-0"), "v");
}

TEST_F(RocksDbEngineTest, SecondOpenInProcessIsRefusedClearly) {
  std::unique_ptr<KvEngine> first = Open();
  ASSERT_NE(first, nullptr);
  Result<std::unique_ptr<KvEngine>> second = OpenRocksDb(path_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kUnavailable);
  EXPECT_THAT(second.status().message(),
              HasSubstr("metadata store at " + path_ + " is in use by another nasd process"));
  // The refused open must not have disturbed the first engine.
  WriteBatch batch;
  batch.Put("k", "v");
  EXPECT_TRUE(first->Write(batch).ok());
}

TEST_F(RocksDbEngineTest, OpenLockedByAnotherProcessIsRefusedClearly) {
  std::filesystem::create_directories(path_);
  const std::string lock_path = path_ + "/LOCK";
  int ready[2];
  int release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Only async-signal-safe calls here: take the lock RocksDB takes, report,
    // hold it until the parent closes the release pipe.
    ::close(release[1]);
    ::close(ready[0]);
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT, 0644);
    struct flock lock = {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    const char ok = (fd >= 0 && ::fcntl(fd, F_SETLK, &lock) == 0) ? 'y' : 'n';
    if (::write(ready[1], &ok, 1) != 1) ::_exit(2);
    char byte;
    while (::read(release[0], &byte, 1) > 0) {
    }
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(release[0]);
  char locked = 0;
  ASSERT_EQ(::read(ready[0], &locked, 1), 1);
  ASSERT_EQ(locked, 'y');

  Result<std::unique_ptr<KvEngine>> engine = OpenRocksDb(path_);
  ::close(release[1]);
  int wstatus = 0;
  ::waitpid(child, &wstatus, 0);
  ::close(ready[0]);
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), Code::kUnavailable);
  EXPECT_THAT(engine.status().message(),
              HasSubstr("metadata store at " + path_ + " is in use by another nasd process"));
}

TEST_F(RocksDbEngineTest, OpenFailureIsReported) {
  const std::string file_path = dir_.Sub("not-a-dir");
  std::ofstream(file_path) << "x";
  Result<std::unique_ptr<KvEngine>> engine = OpenRocksDb(file_path + "/db");
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), Code::kIoError);
  EXPECT_THAT(engine.status().message(), HasSubstr("open metadata store at " + file_path));
}

}  // namespace
}  // namespace nasd::kv
