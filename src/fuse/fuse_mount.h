// src/fuse/fuse_mount.h -- the contract between the FUSE layer and its users
// (`nasd mount`, and `nasd serve --smb-enable`, which mounts each SMB share
// under its state directory and points smbd at the mount).
//
// A FuseMount serves one vfs::Filesystem through the kernel's FUSE driver
// with libfuse3's low-level API (docs/design.md, "FUSE mount"):
// - node ids are vfs inode numbers (st_ino too); FUSE_ROOT_ID (1) names
//   fs->root() and, should the root not be inode 1, the vfs inode 1 takes the
//   root's number (a swap, so every number stays unique and stable);
// - permissions are checked by vfs for the requesting process (uid, gid and
//   supplementary groups of the FUSE request), not by the kernel;
// - no kernel writeback cache; the page cache is dropped on every open and
//   attributes and entries are cached for 1 s, because WebDAV and NFS change
//   the same share behind the kernel's back;
// - close (FUSE flush) and fsync commit the file's buffered writes.
//
// Root only (/dev/fuse). Thread-safe: Stop and Wait may be called from any
// thread, also concurrently. Start installs a no-op SIGUSR1 handler once per
// process (Stop wakes a busy loop with it): nasd uses SIGUSR1 for nothing else.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "common/status.h"
#include "vfs/filesystem.h"

namespace nasd::fuse {

struct MountOptions {
  std::string mountpoint;    // an existing empty directory, absolute
  std::string fsname;        // shown in /proc/mounts, e.g. "nasd:SHARE"
  bool read_only = false;    // every change fails with EROFS
  bool allow_other = false;  // other uids may use the mount (smbd needs it)
  // Files bypass the kernel's page cache (FOPEN_DIRECT_IO): every read and
  // write goes to vfs in the caller's own buffer, with one copy instead of
  // two and no page-cache pages to allocate and fill. A MAP_SHARED mmap of a
  // file then fails (ENODEV), so this is for a mount that serves one known
  // program: smbd reads and writes files, it does not map them.
  bool direct_io = false;
  // FUSE worker threads (multithreaded loop): libfuse keeps up to `threads`
  // (1..10) idle workers and starts more, up to its own limit of 10, under load.
  int threads = 4;
};

// Where the kernel keeps the readahead of the mount on device dev (sysfs);
// Start raises it to kMaxIo.
std::string ReadaheadPath(dev_t dev);

class FuseMount {
 public:
  // Mounts fs at options.mountpoint and serves it on background threads;
  // returns once the mount is visible. kFailedPrecondition/kIoError with a
  // message naming the cause (no /dev/fuse, not empty, not root, ...).
  static Result<std::unique_ptr<FuseMount>> Start(std::shared_ptr<vfs::Filesystem> fs,
                                                  MountOptions options);
  // Unmounts (lazily if busy), stops the threads and commits buffered writes.
  // A process holding files open on the mount (smbd) does not hold Stop up:
  // after a lazy unmount the connection is aborted, so those files then fail
  // with ENOTCONN. Idempotent; the destructor calls it.
  void Stop();
  // Blocks until the mount ends: Stop(), or an unmount from outside
  // (umount, fusermount3 -u). Buffered writes are committed before it returns.
  void Wait();
  // False once unmounted from outside or stopped.
  bool mounted() const;
  const std::string& mountpoint() const;
  // Node ids the kernel holds a lookup reference to (they drop as it
  // forgets). For tests and diagnostics.
  size_t nodes_known() const;

  ~FuseMount();
  FuseMount(const FuseMount&) = delete;
  FuseMount& operator=(const FuseMount&) = delete;

 private:
  struct Impl;
  explicit FuseMount(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nasd::fuse
