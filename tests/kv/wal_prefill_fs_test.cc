// WalPrefillFs: WAL files are zero-filled ahead of the writer and cut back
// when closed; other files are left alone; and a database whose log ends in
// zeros (a crash) recovers every durable commit.
#include "kv/rocksdb/wal_prefill_fs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "kv/rocksdb/rocksdb_engine.h"
#include "testutil/temp_dir.h"

namespace nasd::kv {
namespace {

namespace fs = std::filesystem;

std::string Contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Bytes at the end of s that are all zero.
size_t ZeroTail(const std::string& s) {
  const size_t last = s.find_last_not_of('\0');
  return last == std::string::npos ? s.size() : s.size() - last - 1;
}

class WalPrefillFsTest : public ::testing::Test {
 protected:
  std::unique_ptr<rocksdb::FSWritableFile> Create(const std::string& name) {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus st = fs_->NewWritableFile(dir_.Sub(name), rocksdb::FileOptions(), &file, nullptr);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return file;
  }

  static void Append(rocksdb::FSWritableFile& file, const std::string& data) {
    rocksdb::IOStatus st = file.Append(data, rocksdb::IOOptions(), nullptr);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  static constexpr uint64_t kStep = 64 << 10;
  testutil::TempDir dir_;
  std::shared_ptr<WalPrefillFs> fs_ =
      std::make_shared<WalPrefillFs>(rocksdb::FileSystem::Default(), kStep);
};

TEST_F(WalPrefillFsTest, ALogIsFilledWithZerosAheadAndCutBackOnClose) {
  auto file = Create("000007.log");
  const std::string first(5000, 'a');
  Append(*file, first);
  std::string on_disk = Contents(dir_.Sub("000007.log"));
  EXPECT_GE(on_disk.size(), first.size() + kStep);
  EXPECT_EQ(on_disk.substr(0, first.size()), first);
  EXPECT_EQ(ZeroTail(on_disk), on_disk.size() - first.size());

  const std::string second(3 * kStep, 'b');  // one append longer than a step
  Append(*file, second);
  EXPECT_EQ(file->GetFileSize(rocksdb::IOOptions(), nullptr), first.size() + second.size());
  on_disk = Contents(dir_.Sub("000007.log"));
  EXPECT_GE(on_disk.size(), first.size() + second.size() + kStep);
  EXPECT_EQ(on_disk.substr(0, first.size() + second.size()), first + second);

  ASSERT_TRUE(file->Close(rocksdb::IOOptions(), nullptr).ok());
  EXPECT_EQ(Contents(dir_.Sub("000007.log")), first + second);
}

TEST_F(WalPrefillFsTest, OtherFilesAreNotFilled) {
  auto file = Create("LOG");  // RocksDB's info log
  Append(*file, "hello");
  EXPECT_EQ(Contents(dir_.Sub("LOG")), "hello");
  ASSERT_TRUE(file->Close(rocksdb::IOOptions(), nullptr).ok());
}

// A crash leaves the live log ending in zeros: copying the database while it
// is open (every commit below is durable) gives what a power cut would.
TEST(WalPrefillRecoveryTest, EveryDurableCommitSurvivesALogThatEndsInZeros) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("meta");
  Result<std::unique_ptr<KvEngine>> engine = OpenRocksDb(path);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  constexpr int kCommits = 300;
  for (int i = 0; i < kCommits; ++i) {
    WriteBatch batch;
    batch.Put("key" + std::to_string(i), std::string(1000, static_cast<char>('a' + i % 26)));
    ASSERT_TRUE((*engine)->Write(batch).ok());
  }
  size_t zeros = 0;
  for (const auto& entry : fs::directory_iterator(path)) {
    if (entry.path().extension() == ".log") zeros = std::max(zeros, ZeroTail(Contents(entry.path())));
  }
  EXPECT_GE(zeros, WalPrefillFs::kDefaultStep / 2) << "the live log is filled ahead";

  const std::string crashed = dir.Sub("crashed");
  fs::copy(path, crashed, fs::copy_options::recursive);
  ASSERT_TRUE((*engine)->Close().ok());

  Result<std::unique_ptr<KvEngine>> reopened = OpenRocksDb(crashed);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  for (int i = 0; i < kCommits; ++i) {
    Result<std::optional<std::string>> value = (*reopened)->Get("key" + std::to_string(i));
    ASSERT_TRUE(value.ok()) << value.status().ToString();
    ASSERT_TRUE(value->has_value()) << "key" << i;
    EXPECT_EQ(**value, std::string(1000, static_cast<char>('a' + i % 26)));
  }
  // And it goes on working.
  WriteBatch batch;
  batch.Put("after", "crash");
  ASSERT_TRUE((*reopened)->Write(batch).ok());
  ASSERT_TRUE((*reopened)->Close().ok());
}

}  // namespace
}  // namespace nasd::kv
