#include "chunk/local/direct_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>

#include "common/posix_io.h"

namespace nasd::chunk {
namespace {

// Reads parts in order into flat buffers: the next n bytes after what
// earlier calls took.
class PartsCursor {
 public:
  explicit PartsCursor(std::span<const std::string_view> parts) : parts_(parts) {}

  void CopyTo(char* out, size_t n) {
    while (n > 0) {
      const std::string_view part = parts_[index_];
      const size_t take = std::min(n, part.size() - offset_);
      std::memcpy(out, part.data() + offset_, take);
      out += take;
      n -= take;
      offset_ += take;
      if (offset_ == part.size()) {
        ++index_;
        offset_ = 0;
      }
    }
  }

 private:
  std::span<const std::string_view> parts_;
  size_t index_ = 0;
  size_t offset_ = 0;
};

// parts without their first skip bytes.
std::vector<std::string_view> Suffix(std::span<const std::string_view> parts, size_t skip) {
  std::vector<std::string_view> out;
  for (std::string_view part : parts) {
    if (skip >= part.size()) {
      skip -= part.size();
      continue;
    }
    out.push_back(part.substr(skip));
    skip = 0;
  }
  return out;
}

// Writes buf[0, n) with O_DIRECT set on fd. Returns the bytes written, which
// fall short of n only where going on direct is impossible (a short write
// that ended off the alignment, or EINVAL on the first write: *refused).
Result<size_t> WriteDirect(int fd, const char* buf, size_t n, bool first, bool* refused,
                           std::string_view path) {
  size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(fd, buf + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EINVAL && first && done == 0) {
      *refused = true;  // the device wants a larger alignment, or no O_DIRECT at all
      return size_t{0};
    }
    if (w < 0) return ErrnoStatus(errno, "write " + std::string(path));
    if (w == 0) return ErrnoStatus(EIO, "write " + std::string(path) + " made no progress");
    done += static_cast<size_t>(w);
    if (done % kDirectAlign != 0) break;
  }
  return done;
}

// Sets O_DIRECT on fd: its flags before, or nullopt if the file system
// refuses direct I/O (EINVAL).
Result<std::optional<int>> SetDirect(int fd, std::string_view path) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return ErrnoStatus(errno, "fcntl " + std::string(path));
  if (::fcntl(fd, F_SETFL, flags | O_DIRECT) == 0) return std::optional<int>(flags);
  if (errno != EINVAL) return ErrnoStatus(errno, "set O_DIRECT on " + std::string(path));
  return std::optional<int>();
}

}  // namespace

void StagingPool::Free::operator()(char* p) const { std::free(p); }

StagingPool::Buffer StagingPool::Take() {
  {
    std::lock_guard lock(mu_);
    if (!free_.empty()) {
      Buffer b = std::move(free_.back());
      free_.pop_back();
      return b;
    }
  }
  return Buffer(static_cast<char*>(std::aligned_alloc(kDirectAlign, kBufferBytes)));
}

void StagingPool::Give(Buffer buffer) {
  if (!buffer) return;
  std::lock_guard lock(mu_);
  if (free_.size() < keep_) free_.push_back(std::move(buffer));
}

std::shared_ptr<char> StagingPool::TakeShared(const std::shared_ptr<StagingPool>& pool, size_t size) {
  if (size <= kBufferBytes && size > kBufferBytes / 2) {
    Buffer b = pool->Take();
    if (!b) return nullptr;
    return std::shared_ptr<char>(b.release(), [pool](char* p) { pool->Give(Buffer(p)); });
  }
  char* p = static_cast<char*>(std::aligned_alloc(kDirectAlign, RoundUpToDirectAlign(size)));
  if (p == nullptr) return nullptr;
  return std::shared_ptr<char>(p, Free());
}

Result<DirectAppendResult> AppendDirect(int fd, std::span<const std::string_view> parts,
                                        StagingPool& pool, std::string_view path) {
  DirectAppendResult result;
  size_t total = 0;
  for (std::string_view part : parts) total += part.size();
  const size_t aligned = total - total % kDirectAlign;
  StagingPool::Buffer buf = aligned > 0 ? pool.Take() : nullptr;
  if (buf) {
    NASD_ASSIGN_OR_RETURN(std::optional<int> flags, SetDirect(fd, path));
    if (!flags) {
      result.unsupported = true;
    } else {
      PartsCursor cursor(parts);
      Status failed;
      while (result.direct_bytes < aligned) {
        const size_t n = std::min(StagingPool::kBufferBytes, aligned - result.direct_bytes);
        cursor.CopyTo(buf.get(), n);
        Result<size_t> wrote =
            WriteDirect(fd, buf.get(), n, result.direct_bytes == 0, &result.unsupported, path);
        if (!wrote.ok()) {
          failed = wrote.status();
          break;
        }
        result.direct_bytes += *wrote;
        if (*wrote < n) break;  // the rest goes buffered
      }
      if (::fcntl(fd, F_SETFL, *flags) != 0 && failed.ok()) {
        failed = ErrnoStatus(errno, "clear O_DIRECT on " + std::string(path));
      }
      if (!failed.ok()) return failed;
    }
    pool.Give(std::move(buf));
  }
  const std::vector<std::string_view> rest = Suffix(parts, result.direct_bytes);
  NASD_RETURN_IF_ERROR(posix::WriteFull(fd, rest, path));
  return result;
}

Result<size_t> ReadDirect(int fd, char* buf, size_t length, bool* refused, std::string_view path) {
  NASD_ASSIGN_OR_RETURN(std::optional<int> flags, SetDirect(fd, path));
  if (!flags) {
    *refused = true;
    return size_t{0};
  }
  const size_t want = RoundUpToDirectAlign(length);
  size_t done = 0;
  while (done < length) {
    const ssize_t r = ::pread(fd, buf + done, want - done, static_cast<off_t>(done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EINVAL && done == 0) {
      *refused = true;
      break;
    }
    if (r < 0) return ErrnoStatus(errno, "read " + std::string(path));
    if (r == 0) break;
    done += static_cast<size_t>(r);
    if (done % kDirectAlign != 0) break;  // the end of the file (or a short read: the rest buffered)
  }
  done = std::min(done, length);
  if (done < length && ::fcntl(fd, F_SETFL, *flags) != 0) {
    return ErrnoStatus(errno, "clear O_DIRECT on " + std::string(path));
  }
  return done;
}

}  // namespace nasd::chunk
