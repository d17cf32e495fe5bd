#include "common/page_cache.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace nasd::posix {
namespace {

// The same number on every architecture (the syscall table shared since 5.x);
// Debian 12's headers predate it.
#ifndef SYS_cachestat
constexpr long kSysCachestat = 451;
#else
constexpr long kSysCachestat = SYS_cachestat;
#endif

// The kernel's struct cachestat_range and struct cachestat (linux/mman.h).
struct CachestatRange {
  uint64_t off;
  uint64_t len;
};
struct Cachestat {
  uint64_t nr_cache;
  uint64_t nr_dirty;
  uint64_t nr_writeback;
  uint64_t nr_evicted;
  uint64_t nr_recently_evicted;
};

}  // namespace

Result<bool> InPageCache(int fd, uint64_t offset, uint64_t length) {
  if (length == 0) return true;  // the kernel reads len 0 as "to the end of the file"
  static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t pages = (offset + length - 1) / page - offset / page + 1;
  CachestatRange range{offset, length};
  Cachestat stat{};
  if (::syscall(kSysCachestat, fd, &range, &stat, 0) != 0) {
    if (errno == ENOSYS) return Status(Code::kNotSupported, "the kernel has no cachestat (Linux 6.5+)");
    return ErrnoStatus(errno, "cachestat");
  }
  return stat.nr_cache >= pages;
}

}  // namespace nasd::posix
