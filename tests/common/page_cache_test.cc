// posix::InPageCache against the kernel's own page cache.
#include "common/page_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "testutil/page_cache.h"
#include "testutil/temp_dir.h"

namespace nasd {
namespace {

TEST(PageCacheTest, SaysWhichBytesAreCached) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("f");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  const std::string data(256 << 10, 'x');
  ASSERT_EQ(::pwrite(fd, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
  ASSERT_TRUE(testutil::EvictFromPageCache(fd));

  auto cached = posix::InPageCache(fd, 0, data.size());
  if (!cached.ok()) {
    // Only a kernel older than 6.5 may refuse, and then as documented.
    EXPECT_EQ(cached.status().code(), Code::kNotSupported) << cached.status().ToString();
    ::close(fd);
    return;
  }
  EXPECT_FALSE(*cached);
  EXPECT_TRUE(*posix::InPageCache(fd, 4096, 0));  // nothing to wait for

  // Read the middle 64 KiB (plus a byte on each side, so pages 15..32).
  std::string buf(65538, '\0');
  ASSERT_EQ(::pread(fd, buf.data(), buf.size(), 65535), static_cast<ssize_t>(buf.size()));
  // Readahead may bring in more; the pages read are there for sure.
  EXPECT_TRUE(*posix::InPageCache(fd, 65535, buf.size()));
  EXPECT_TRUE(*posix::InPageCache(fd, 65536, 4096));
  ASSERT_TRUE(testutil::EvictFromPageCache(fd));
  EXPECT_FALSE(*posix::InPageCache(fd, 65535, buf.size()));

  // One page cached of two: not enough (no readahead with FADV_RANDOM).
  ASSERT_EQ(::posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM), 0);
  ASSERT_EQ(::pread(fd, buf.data(), 100, 8192), 100);
  EXPECT_TRUE(*posix::InPageCache(fd, 8192, 4096));
  EXPECT_FALSE(*posix::InPageCache(fd, 8192, 4097));
  EXPECT_FALSE(*posix::InPageCache(fd, 8191, 2));
  ::close(fd);
}

}  // namespace
}  // namespace nasd
