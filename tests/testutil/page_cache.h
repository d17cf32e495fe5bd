// Dropping a file's pages from the page cache, for tests of cold reads.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace nasd::testutil {

// Whether any page of fd's file is in the page cache (mincore). fd may be
// open for writing only: the file is mapped through a read-only descriptor.
inline bool AnyPageCached(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size == 0) return false;
  const size_t len = static_cast<size_t>(st.st_size);
  const int rfd = ::open(("/proc/self/fd/" + std::to_string(fd)).c_str(), O_RDONLY | O_CLOEXEC);
  if (rfd < 0) return true;
  void* map = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, rfd, 0);
  ::close(rfd);
  if (map == MAP_FAILED) return true;
  const long page = ::sysconf(_SC_PAGESIZE);
  std::vector<unsigned char> in(len / static_cast<size_t>(page) + 1);
  const bool ok = ::mincore(map, len, in.data()) == 0;
  ::munmap(map, len);
  if (!ok) return true;
  for (unsigned char c : in) {
    if (c & 1) return true;
  }
  return false;
}

// Writes fd's file back and drops its pages; true once none is cached.
// POSIX_FADV_DONTNEED alone is not enough: pages a moment old may still sit
// in another CPU's LRU batch, where the kernel does not drop them (seen in
// CI). So it retries, and at last drops the clean page cache of the whole
// machine (the tests run as root).
inline bool EvictFromPageCache(int fd) {
  if (::fdatasync(fd) != 0) return false;
  for (int attempt = 0; attempt < 20; ++attempt) {
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    if (!AnyPageCached(fd)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  { std::ofstream("/proc/sys/vm/drop_caches") << "1"; }
  return !AnyPageCached(fd);
}

}  // namespace nasd::testutil
