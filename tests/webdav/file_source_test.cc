// FileSource::TryNext: the network thread takes a part only when the chunk
// bytes are in the page cache; otherwise the source is left as it was and
// Next() (on a worker) sends exactly the same bytes. In both sendfile modes.
#include "webdav/file_source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "chunk/chunk_store.h"
#include "chunk/local/local_backend.h"
#include "chunk/mem/mem_backend.h"
#include "common/page_cache.h"
#include "kv/mem/mem_engine.h"
#include "meta/share_store.h"
#include "testutil/page_cache.h"
#include "testutil/temp_dir.h"

namespace nasd::webdav {
namespace {

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// The bytes a part stands for (sendfile parts are read back from their fd).
std::string BytesOf(const http::BodyPart& part) {
  if (part.fd < 0) return part.bytes;
  std::string out(part.length, '\0');
  EXPECT_EQ(::pread(part.fd, out.data(), out.size(), static_cast<off_t>(part.offset)),
            static_cast<ssize_t>(out.size()));
  return out;
}

class FileSourceTest : public ::testing::Test {
 protected:
  void Open(std::unique_ptr<chunk::Backend> backend) {
    kv_ = kv::NewMemEngine();
    chunks_ = std::make_unique<chunk::ChunkStore>(std::move(backend),
                                                  chunk::ChunkStoreOptions{.hash_threads = 0});
    ASSERT_TRUE(meta::ShareStore(*kv_).Create("s").ok());
    vfs::FilesystemOptions options;
    options.block_size = 128 << 10;
    auto fs = vfs::Filesystem::Open(*kv_, *chunks_, "s", options);
    ASSERT_TRUE(fs.ok()) << fs.status().ToString();
    fs_ = std::move(*fs);
    auto made = fs_->Create(vfs::Caller::Root(), fs_->root(), "f", 0644, true);
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    ino_ = made->attr.ino;
    data_ = RandomBytes(600 << 10, 7);
    ASSERT_TRUE(fs_->Write(vfs::Caller::Root(), ino_, 0, data_).ok());
    ASSERT_TRUE(fs_->Fsync(ino_).ok());
  }

  // Drops every chunk file's pages from the page cache.
  void EvictChunks() {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.Sub("chunks"))) {
      if (!e.is_regular_file()) continue;
      int fd = ::open(e.path().c_str(), O_RDONLY);
      ASSERT_GE(fd, 0) << e.path();
      ASSERT_TRUE(testutil::EvictFromPageCache(fd)) << e.path();
      ::close(fd);
    }
  }

  // A file on the local backend, none of it in the page cache.
  void OpenLocalCold() {
    auto local = chunk::OpenLocalBackend(dir_.Sub("chunks"));
    ASSERT_TRUE(local.ok()) << local.status().ToString();
    Open(std::move(local).value());
    EvictChunks();
  }

  // Sends [begin, begin + length) with every part taken by TryNext (the
  // network thread); the bytes sent.
  std::string SendOnNetworkThread(uint64_t begin, uint64_t length, SendMode mode) {
    FileSource source(fs_, ino_, {FileSource::Segment{"", begin, length}}, mode);
    std::string sent;
    while (sent.size() < length) {
      std::optional<Result<http::BodyPart>> now = source.TryNext();
      EXPECT_TRUE(now.has_value()) << "declined cached bytes at " << sent.size();
      if (!now.has_value()) break;
      EXPECT_TRUE(now->ok()) << now->status().ToString();
      if (!now->ok()) break;
      EXPECT_GE((*now)->fd, 0);
      sent += BytesOf(**now);
    }
    return sent;
  }

  testutil::TempDir dir_;
  std::unique_ptr<kv::KvEngine> kv_;
  std::unique_ptr<chunk::ChunkStore> chunks_;
  std::shared_ptr<vfs::Filesystem> fs_;
  uint64_t ino_ = 0;
  std::string data_;
};

TEST_F(FileSourceTest, TryNextDeclinesUncachedChunksAndNextSendsTheSameBytes) {
  ASSERT_NO_FATAL_FAILURE(OpenLocalCold());
  const uint64_t begin = 1000, length = 400 << 10;  // spans four 128 KiB blocks
  FileSource source(fs_, ino_, {FileSource::Segment{"", begin, length}});
  std::string sent;
  // TryNext of a cold part: declined, as a rule, since its bytes are not
  // cached. Linux may start the read of a RWF_NOWAIT preadv2 and, on a fast
  // disk, find it done at once (seen in CI on 2026-11-27); then the part is
  // taken, and its bytes must be right.
  auto try_cold = [&] {
    if (std::optional<Result<http::BodyPart>> quick = source.TryNext()) {
      ASSERT_TRUE(quick->ok()) << quick->status().ToString();
      sent += BytesOf(**quick);
    }
  };
  ASSERT_NO_FATAL_FAILURE(try_cold());
  Result<http::BodyPart> part = source.Next();  // the worker's turn: reads, verifies, caches
  ASSERT_TRUE(part.ok()) << part.status().ToString();
  ASSERT_GE(part->fd, 0);
  sent += BytesOf(*part);
  // The next blocks' chunks are still cold: declined again, then sent.
  ASSERT_NO_FATAL_FAILURE(try_cold());
  while (sent.size() < length) {
    part = source.Next();
    ASSERT_TRUE(part.ok()) << part.status().ToString();
    ASSERT_FALSE(part->empty());
    sent += BytesOf(*part);
  }
  EXPECT_TRUE(sent == data_.substr(begin, length)) << "other bytes were sent";
  // Now cached: a second source takes every part on the network thread.
  EXPECT_TRUE(SendOnNetworkThread(begin, length, SendMode::kVerifiedSendfile) == sent);
}

// Whether the kernel lacks cachestat (older than 6.5), asked of a regular
// file: this test program.
bool CachestatMissing() {
  const int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool missing = posix::InPageCache(fd, 0, 1).status().code() == Code::kNotSupported;
  ::close(fd);
  return missing;
}

// Unverified (plain sendfile): the network thread takes a part only when
// the page cache holds all of it (cachestat), else the worker sends it.
TEST_F(FileSourceTest, UnverifiedSourcesTakeOnlyCachedPartsOnTheNetworkThread) {
  ASSERT_NO_FATAL_FAILURE(OpenLocalCold());
  const uint64_t begin = 1000, length = 400 << 10;  // spans four 128 KiB blocks
  FileSource source(fs_, ino_, {FileSource::Segment{"", begin, length}}, SendMode::kSendfile);
  std::string sent;
  while (sent.size() < length) {
    ASSERT_FALSE(source.TryNext().has_value()) << "took uncached bytes at " << sent.size();
    Result<http::BodyPart> part = source.Next();
    ASSERT_TRUE(part.ok()) << part.status().ToString();
    ASSERT_FALSE(part->empty());
    sent += BytesOf(*part);
  }
  EXPECT_TRUE(sent == data_.substr(begin, length)) << "other bytes were sent";
  // Reading them back (BytesOf) cached them: now the network thread takes
  // every part, where the kernel can tell (cachestat, Linux 6.5+).
  if (CachestatMissing()) {
    FileSource again(fs_, ino_, {FileSource::Segment{"", begin, length}}, SendMode::kSendfile);
    EXPECT_FALSE(again.TryNext().has_value()) << "took bytes it cannot know are cached";
    return;
  }
  EXPECT_TRUE(SendOnNetworkThread(begin, length, SendMode::kSendfile) == sent);
}

TEST_F(FileSourceTest, TryNextLeavesStoresWithoutLocalFilesToTheWorker) {
  Open(chunk::NewMemBackend());
  FileSource source(fs_, ino_, {FileSource::Segment{"", 0, data_.size()}});
  std::string sent;
  while (sent.size() < data_.size()) {
    ASSERT_FALSE(source.TryNext().has_value()) << "memory-store bytes must be read on a worker";
    Result<http::BodyPart> part = source.Next();
    ASSERT_TRUE(part.ok()) << part.status().ToString();
    ASSERT_FALSE(part->empty());
    sent += BytesOf(*part);
  }
  EXPECT_TRUE(sent == data_);
}

}  // namespace
}  // namespace nasd::webdav
