// Page cache residency of a file's bytes, asked of the kernel without
// touching them (cachestat(2), Linux 6.5 and later): whether reading them
// now, or sending them with sendfile(2), would wait for the disk.
#pragma once

#include <cstdint>

#include "common/status.h"

namespace nasd::posix {

// Whether every page holding bytes [offset, offset + length) of fd is in the
// page cache (true for length 0). kNotSupported where the kernel has no
// cachestat; other failures as errno.
Result<bool> InPageCache(int fd, uint64_t offset, uint64_t length);

}  // namespace nasd::posix
