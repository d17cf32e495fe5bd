#include "common/posix_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <vector>

namespace nasd::posix {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Status UniqueFd::Close(std::string_view path) {
  int fd = release();
  if (fd >= 0 && ::close(fd) != 0 && errno != EINTR) {
    return ErrnoStatus(errno, "close " + std::string(path));
  }
  return Status::Ok();
}

Status WriteFull(int fd, std::string_view data, std::string_view path) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, std::min<size_t>(left, size_t{1} << 30));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "write " + std::string(path));
    }
    if (n == 0) return ErrnoStatus(EIO, "write " + std::string(path) + " made no progress");
    p += n;
    left -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status WriteFull(int fd, std::span<const std::string_view> parts, std::string_view path) {
  std::vector<iovec> iov;
  iov.reserve(parts.size());
  for (std::string_view part : parts) {
    if (!part.empty()) iov.push_back(iovec{const_cast<char*>(part.data()), part.size()});
  }
  size_t next = 0;  // first iovec not yet fully written
  while (next < iov.size()) {
    const int count = static_cast<int>(std::min<size_t>(iov.size() - next, IOV_MAX));
    ssize_t n = ::writev(fd, &iov[next], count);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "write " + std::string(path));
    }
    if (n == 0) return ErrnoStatus(EIO, "write " + std::string(path) + " made no progress");
    auto done = static_cast<size_t>(n);
    while (next < iov.size() && done >= iov[next].iov_len) done -= iov[next++].iov_len;
    if (done > 0) {  // a short write ended inside iov[next]
      iov[next].iov_base = static_cast<char*>(iov[next].iov_base) + done;
      iov[next].iov_len -= done;
    }
  }
  return Status::Ok();
}

Result<std::string> PreadFull(int fd, uint64_t offset, uint64_t length, std::string_view path,
                              bool nowait) {
  std::string out(length, '\0');
  NASD_ASSIGN_OR_RETURN(size_t done, PreadInto(fd, offset, out.data(), out.size(), path, nowait));
  out.resize(done);
  return out;
}

Result<size_t> PreadInto(int fd, uint64_t offset, char* out, size_t length, std::string_view path,
                         bool nowait) {
  size_t done = 0;
  while (done < length) {
    iovec iov{out + done, std::min<size_t>(length - done, size_t{1} << 30)};
    ssize_t n = ::preadv2(fd, &iov, 1, static_cast<off_t>(offset + done), nowait ? RWF_NOWAIT : 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (nowait && (errno == EAGAIN || errno == EOPNOTSUPP)) {
        return Status(Code::kWouldBlock, "read " + std::string(path) + " would wait for the disk");
      }
      return ErrnoStatus(errno, "read " + std::string(path));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

Status FsyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus(errno, "open directory " + dir);
  if (::fsync(fd.get()) != 0) return ErrnoStatus(errno, "fsync directory " + dir);
  return fd.Close(dir);
}

Status WriteFileDurably(const std::string& path, std::string_view data, int mode) {
  std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) return ErrnoStatus(errno, "create " + tmp);
  // O_CREAT keeps the mode of a leftover temporary; enforce the one asked for.
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) return ErrnoStatus(errno, "chmod " + tmp);
  NASD_RETURN_IF_ERROR(WriteFull(fd.get(), data, tmp));
  if (::fsync(fd.get()) != 0) return ErrnoStatus(errno, "fsync " + tmp);
  NASD_RETURN_IF_ERROR(fd.Close(tmp));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus(errno, "rename to " + path);
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  return FsyncDir(dir);
}

Status ForEachEntry(const std::string& dir, const std::function<bool(const DirEntry&)>& fn) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus(errno, "open directory " + dir);
  struct Closer {
    DIR* d;
    ~Closer() { ::closedir(d); }
  } closer{d};
  while (true) {
    errno = 0;
    struct dirent* e = ::readdir(d);
    if (e == nullptr) {
      if (errno != 0) return ErrnoStatus(errno, "read directory " + dir);
      return Status::Ok();
    }
    std::string_view name(e->d_name);
    if (name == "." || name == "..") continue;
    DirEntry entry{name, e->d_type == DT_DIR, e->d_type == DT_REG};
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      entry.is_dir = S_ISDIR(st.st_mode);
      entry.is_file = S_ISREG(st.st_mode);
    }
    if (!fn(entry)) return Status::Ok();
  }
}

}  // namespace nasd::posix
