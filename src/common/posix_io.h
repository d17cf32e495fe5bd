// Small POSIX helpers shared by the local chunk backend and the volume
// layout: an owning fd, full writes and reads that survive EINTR and short
// transfers, directory fsync, durable whole-file replacement and directory
// iteration. Every failure is a Status built from errno that names the path.
//
// (src/env/ will own OS access for the whole project, with fault injection;
// these helpers are the seam until it exists.)
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace nasd::posix {

// Owns a file descriptor; closes it (ignoring errors) on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes now and reports the error close() returned (it can carry a
  // deferred write error on some filesystems).
  Status Close(std::string_view path);

 private:
  int fd_ = -1;
};

// Writes all of data at the current offset.
Status WriteFull(int fd, std::string_view data, std::string_view path);
// Writes all of parts, in order, at the current offset with writev (no
// gathering copy).
Status WriteFull(int fd, std::span<const std::string_view> parts, std::string_view path);
// Reads [offset, offset+length), stopping early only at end of file.
Result<std::string> PreadFull(int fd, uint64_t offset, uint64_t length, std::string_view path,
                              bool nowait = false);
// As PreadFull, into out (length bytes of room); the bytes read, fewer only at
// end of file. nowait: only from the page cache (preadv2 RWF_NOWAIT):
// kWouldBlock if the read would wait for the disk (or the filesystem cannot
// tell).
Result<size_t> PreadInto(int fd, uint64_t offset, char* out, size_t length, std::string_view path,
                         bool nowait = false);
// fsyncs a directory so that entries created or removed in it are durable.
Status FsyncDir(const std::string& dir);

// Replaces path with data atomically and durably: a temporary beside it is
// written with mode, fsynced and renamed over path, then the directory is
// fsynced. A crash leaves either the old or the new file, never a mix.
Status WriteFileDurably(const std::string& path, std::string_view data, int mode);

struct DirEntry {
  std::string_view name;
  bool is_dir = false;
  bool is_file = false;  // regular file
};
// Calls fn for each entry of dir except "." and ".."; fn returns false to
// stop. kNotFound if dir does not exist.
Status ForEachEntry(const std::string& dir, const std::function<bool(const DirEntry&)>& fn);

}  // namespace nasd::posix
