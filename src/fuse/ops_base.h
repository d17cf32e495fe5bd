// Private to src/fuse: the shared base every low-level operation (ops_*.cc)
// runs on: the mount's state (the request's userdata), the caller of a
// request, and the helpers that turn vfs results into replies.
#pragma once

#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>
#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "common/status.h"
#include "common/thread_annotations.h"
#include "vfs/filesystem.h"

namespace nasd::fuse {

// How long the kernel may trust attributes and entries: short, because other
// protocols change the share without telling the kernel.
inline constexpr double kAttrTimeout = 1.0;
inline constexpr double kEntryTimeout = 1.0;
// Largest read and write the kernel sends (max_write, max_read, max_pages).
inline constexpr size_t kMaxIo = 1 << 20;

struct FuseFs {
  std::shared_ptr<vfs::Filesystem> fs;
  bool read_only = false;
  bool direct_io = false;  // MountOptions::direct_io
  uint64_t root = 1;  // fs->root()

  // Node ids <-> vfs inodes (see fuse_mount.h): identity, except that the
  // root and vfs inode 1 swap numbers when the root is not inode 1.
  uint64_t ToVfs(fuse_ino_t node) const {
    if (node == FUSE_ROOT_ID) return root;
    if (node == root) return FUSE_ROOT_ID;
    return node;
  }
  fuse_ino_t ToNode(uint64_t ino) const {
    if (ino == root) return FUSE_ROOT_ID;
    if (ino == FUSE_ROOT_ID) return root;
    return ino;
  }

  // Lookup counts the kernel holds (entries replied minus forgets). vfs
  // needs no open handle, so they only say what the kernel may have cached:
  // a change beside the mount is worth telling the kernel about only for an
  // inode it knows (Knows; the root always), and the number of nodes known
  // shows whether forgets arrive (FuseMount::nodes_known).
  void Remember(uint64_t ino);
  void Forget(uint64_t ino, uint64_t n);
  bool Knows(uint64_t ino) const;
  size_t known() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, uint64_t> lookups_ GUARDED_BY(mu_);
};

// The mount whose requests this thread serves (libfuse's workers serve one
// mount each; set by Fs(), which every operation calls first). Changes a
// mount makes itself need no dentry invalidation (fuse_mount.cc).
inline thread_local const FuseFs* t_serving = nullptr;

inline FuseFs& Fs(fuse_req_t req) {
  auto* f = static_cast<FuseFs*>(fuse_req_userdata(req));
  t_serving = f;
  return *f;
}

// The requesting process as a vfs Caller. Supplementary groups come from
// /proc (fuse_req_getgroups), so only calls that check permissions ask for
// them, and never for root.
vfs::Caller CallerOf(fuse_req_t req, bool with_groups = true);

// st_* of a vfs attribute (st_ino is the vfs inode number).
struct stat StatOf(const vfs::Attr& a);

// Replies: the errno of a failed status (ToErrno), an entry (counted as a
// lookup), attributes.
void ReplyStatus(fuse_req_t req, const Status& st);
void ReplyEntry(fuse_req_t req, const vfs::Attr& a);
void ReplyAttr(fuse_req_t req, const vfs::Attr& a);
fuse_entry_param EntryOf(const FuseFs& f, const vfs::Attr& a);

// EROFS for a change on a read-only mount; true when it replied.
bool RefuseReadOnly(fuse_req_t req);

// Filled in by each ops_*.cc file.
void AddEntryOps(fuse_lowlevel_ops& ops);
void AddAttrOps(fuse_lowlevel_ops& ops);
void AddIoOps(fuse_lowlevel_ops& ops);
void AddDirOps(fuse_lowlevel_ops& ops);

}  // namespace nasd::fuse
