// Direct (O_DIRECT) appends to and reads of chunk files: the bytes are the
// same as buffered I/O's, the aligned part bypasses the page cache, and
// whatever cannot go direct (a short tail, a file system that refuses
// O_DIRECT) is written or left to be read buffered.
#include "chunk/local/direct_io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "chunk_test_util.h"
#include "testutil/page_cache.h"
#include "testutil/temp_dir.h"

namespace nasd::chunk {
namespace {

using testing::RandomBytes;

class DirectAppendTest : public ::testing::Test {
 protected:
  int Create() {
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0);
    return fd;
  }

  std::string Contents() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // Whether each page of the file is in the page cache (mincore).
  std::vector<bool> ResidentPages() const {
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    const off_t size = ::lseek(fd, 0, SEEK_END);
    const long page = ::sysconf(_SC_PAGESIZE);
    const size_t pages = static_cast<size_t>((size + page - 1) / page);
    void* map = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_SHARED, fd, 0);
    EXPECT_NE(map, MAP_FAILED);
    std::vector<unsigned char> vec(pages);
    EXPECT_EQ(::mincore(map, static_cast<size_t>(size), vec.data()), 0);
    ::munmap(map, static_cast<size_t>(size));
    ::close(fd);
    std::vector<bool> out;
    for (unsigned char v : vec) out.push_back((v & 1) != 0);
    return out;
  }

  testutil::TempDir dir_;
  const std::string path_ = (dir_.path() / "object.tmp").string();
  StagingPool pool_{2};
};

TEST_F(DirectAppendTest, TheAlignedPrefixBypassesThePageCacheAndTheTailDoesNot) {
  const std::string header = RandomBytes(292, 1);  // a frame header's odd size
  const std::string data = RandomBytes((1 << 20) + 77, 2);
  const std::string_view parts[] = {header, data};
  int fd = Create();
  Result<DirectAppendResult> r = AppendDirect(fd, parts, pool_, path_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const size_t total = header.size() + data.size();
  EXPECT_FALSE(r->unsupported);
  EXPECT_EQ(r->direct_bytes, total - total % kDirectAlign);
  EXPECT_EQ(::fcntl(fd, F_GETFL) & O_DIRECT, 0) << "O_DIRECT is cleared again";
  ASSERT_EQ(::fsync(fd), 0);
  ::close(fd);
  EXPECT_EQ(Contents(), header + data);

  // Read-back above went through the page cache; look at a fresh file
  // instead, written the same way and never read.
  fd = Create();
  ASSERT_TRUE(AppendDirect(fd, parts, pool_, path_).ok());
  ::close(fd);
  const std::vector<bool> resident = ResidentPages();
  const size_t direct_pages = r->direct_bytes / static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  ASSERT_EQ(resident.size(), direct_pages + 1);
  for (size_t i = 0; i < direct_pages; ++i) EXPECT_FALSE(resident[i]) << "page " << i;
  EXPECT_TRUE(resident.back()) << "the tail is written buffered";
}

TEST_F(DirectAppendTest, LongAppendsCrossStagingBuffersAndOddPartBoundaries) {
  const std::string a = RandomBytes(13, 3);
  const std::string b = RandomBytes(StagingPool::kBufferBytes + 4095, 4);
  const std::string c = RandomBytes(StagingPool::kBufferBytes + 3 * kDirectAlign + 1, 5);
  const std::string_view parts[] = {a, "", b, c};
  int fd = Create();
  Result<DirectAppendResult> r = AppendDirect(fd, parts, pool_, path_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const size_t total = a.size() + b.size() + c.size();
  EXPECT_EQ(r->direct_bytes, total - total % kDirectAlign);
  ::close(fd);
  EXPECT_EQ(Contents(), a + b + c);
}

TEST_F(DirectAppendTest, AnAppendShorterThanOneUnitIsBuffered) {
  const std::string data = RandomBytes(kDirectAlign - 1, 6);
  const std::string_view parts[] = {data};
  int fd = Create();
  Result<DirectAppendResult> r = AppendDirect(fd, parts, pool_, path_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->direct_bytes, 0u);
  EXPECT_FALSE(r->unsupported);
  ::close(fd);
  EXPECT_EQ(Contents(), data);
}

TEST_F(DirectAppendTest, AFileThatRefusesODirectIsWrittenBufferedAndSaysSo) {
  int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);  // a device without direct I/O
  ASSERT_GE(fd, 0);
  const std::string data = RandomBytes(2 * kDirectAlign, 7);
  const std::string_view parts[] = {data};
  Result<DirectAppendResult> r = AppendDirect(fd, parts, pool_, "/dev/null");
  ::close(fd);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->unsupported);
  EXPECT_EQ(r->direct_bytes, 0u);
}

TEST_F(DirectAppendTest, AWriteErrorIsReported) {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);  // not open for writing
  ASSERT_GE(fd, 0);
  const std::string data = RandomBytes(2 * kDirectAlign, 8);
  const std::string_view parts[] = {data};
  Result<DirectAppendResult> r = AppendDirect(fd, parts, pool_, path_);
  EXPECT_EQ(::fcntl(fd, F_GETFL) & O_DIRECT, 0);
  ::close(fd);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(path_), std::string::npos) << r.status().ToString();
}

class ReadDirectTest : public DirectAppendTest {
 protected:
  // A file of these bytes, written buffered and then dropped from the page
  // cache.
  void WriteCold(const std::string& bytes) {
    int fd = Create();
    ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    ASSERT_TRUE(testutil::EvictFromPageCache(fd));
    ::close(fd);
  }

  std::shared_ptr<char> Buffer(size_t length) {
    return StagingPool::TakeShared(shared_pool_, length);
  }

  std::shared_ptr<StagingPool> shared_pool_ = std::make_shared<StagingPool>(2);
};

TEST_F(ReadDirectTest, ReadsTheWholeFileWithoutThePageCache) {
  const std::string data = RandomBytes((1 << 20) + 77, 9);  // ends off the alignment
  WriteCold(data);
  const std::vector<bool> before = ResidentPages();
  ASSERT_EQ(std::count(before.begin(), before.end(), true), 0) << "the test starts cold";
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::shared_ptr<char> buf = Buffer(data.size() + 100);
  bool refused = false;
  Result<size_t> got = ReadDirect(fd, buf.get(), data.size() + 100, &refused, path_);
  ::close(fd);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_FALSE(refused);
  ASSERT_EQ(*got, data.size()) << "the end of the file";
  EXPECT_EQ(std::string_view(buf.get(), *got), data);
  const std::vector<bool> resident = ResidentPages();
  EXPECT_EQ(std::count(resident.begin(), resident.end(), true), 0);
}

TEST_F(ReadDirectTest, ReadsOnlyThePrefixAskedFor) {
  const std::string data = RandomBytes(3 * kDirectAlign, 10);
  WriteCold(data);
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::shared_ptr<char> buf = Buffer(kDirectAlign + 1);
  bool refused = false;
  Result<size_t> got = ReadDirect(fd, buf.get(), kDirectAlign + 1, &refused, path_);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, kDirectAlign + 1);
  EXPECT_EQ(std::string_view(buf.get(), *got), std::string_view(data).substr(0, kDirectAlign + 1));
  EXPECT_NE(::fcntl(fd, F_GETFL) & O_DIRECT, 0) << "a complete read leaves O_DIRECT to the caller";
  ::close(fd);
}

TEST_F(ReadDirectTest, AFileThatRefusesODirectIsLeftForABufferedRead) {
  int fd = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);  // a device without direct I/O
  ASSERT_GE(fd, 0);
  std::shared_ptr<char> buf = Buffer(2 * kDirectAlign);
  bool refused = false;
  Result<size_t> got = ReadDirect(fd, buf.get(), 2 * kDirectAlign, &refused, "/dev/zero");
  EXPECT_EQ(::fcntl(fd, F_GETFL) & O_DIRECT, 0);
  ::close(fd);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(refused);
  EXPECT_EQ(*got, 0u);
}

TEST_F(ReadDirectTest, AReadErrorNamesTheFile) {
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);  // not open for reading
  ASSERT_GE(fd, 0);
  std::shared_ptr<char> buf = Buffer(kDirectAlign);
  bool refused = false;
  Result<size_t> got = ReadDirect(fd, buf.get(), kDirectAlign, &refused, path_);
  ::close(fd);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find(path_), std::string::npos) << got.status().ToString();
}

TEST(StagingPoolTest, SharedBuffersGoBackToThePoolWhenTheLastOwnerLetsGo) {
  auto pool = std::make_shared<StagingPool>(1);
  std::shared_ptr<char> a = StagingPool::TakeShared(pool, StagingPool::kBufferBytes);
  ASSERT_TRUE(a);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.get()) % kDirectAlign, 0u);
  const char* kept = a.get();
  std::shared_ptr<char> b = a;
  a.reset();
  EXPECT_NE(pool->Take().get(), kept) << "still owned";
  b.reset();
  StagingPool::Buffer again = pool->Take();
  EXPECT_EQ(again.get(), kept);
  pool->Give(std::move(again));

  // Half a pool buffer or less: a fresh one of about that size (a cache of
  // small chunks must not pin whole pool buffers), not kept after.
  std::shared_ptr<char> small = StagingPool::TakeShared(pool, StagingPool::kBufferBytes / 2);
  ASSERT_TRUE(small);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(small.get()) % kDirectAlign, 0u);
  EXPECT_NE(small.get(), kept);
  small.reset();
  StagingPool::Buffer still = pool->Take();
  EXPECT_EQ(still.get(), kept) << "the pool still holds its one buffer";
  pool->Give(std::move(still));

  // Bigger than a pool buffer: a fresh aligned one, freed (not kept) after.
  std::shared_ptr<char> big = StagingPool::TakeShared(pool, StagingPool::kBufferBytes + 1);
  ASSERT_TRUE(big);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big.get()) % kDirectAlign, 0u);
  EXPECT_NE(big.get(), kept);
  big.get()[StagingPool::kBufferBytes + kDirectAlign - 1] = 1;  // it has the rounded-up room
  big.reset();
  EXPECT_EQ(pool->Take().get(), kept) << "the pool still holds its one buffer";
}

TEST(StagingPoolTest, BuffersAreAlignedAndReusedUpToTheLimit) {
  StagingPool pool(1);
  StagingPool::Buffer a = pool.Take();
  StagingPool::Buffer b = pool.Take();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.get()) % kDirectAlign, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.get()) % kDirectAlign, 0u);
  const char* kept = a.get();
  pool.Give(std::move(a));
  pool.Give(std::move(b));  // over the limit: freed
  StagingPool::Buffer again = pool.Take();
  EXPECT_EQ(again.get(), kept);
  pool.Give(nullptr);  // a failed allocation given back is ignored
}

}  // namespace
}  // namespace nasd::chunk
