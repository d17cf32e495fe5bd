// vfs::Filesystem: the POSIX file system API that every protocol adapter
// (WebDAV, NFS, FUSE/SMB, sync) calls, bound to one share.
//
// Objects are named by inode number: 64-bit, never reused within a share
// (Attr::generation completes a handle). The share's root is root().
// Names are 1..kMaxNameLength bytes of anything but '/' and NUL; "." and ".."
// are handled as POSIX says (the root's ".." is the root itself).
//
// Errors: every failure is one Code of the project's table (error_codes.h),
// turned into errno by ToErrno() and nothing else. The POSIX errors used:
//   kNotFound ENOENT, kAlreadyExists EEXIST, kPermissionDenied EACCES,
//   kNotPermitted EPERM, kNotDirectory ENOTDIR, kIsDirectory EISDIR,
//   kNotEmpty ENOTEMPTY, kInvalidArgument EINVAL, kNameTooLong ENAMETOOLONG,
//   kBusy EBUSY, kLoop ELOOP, kStale ESTALE (inode number that does not
//   exist any more), kTooLarge EFBIG, kTooManyLinks EMLINK, kNoAttribute
//   ENODATA, kValueRange ERANGE, kValueTooLarge E2BIG, kNotSupported
//   EOPNOTSUPP; and kCorruption/kIoError/kUnavailable/kConflict from below.
//
// Permissions: every call that takes a Caller checks mode bits against its
// uid, gid and supplementary groups as Linux does, root (uid 0) bypassing
// them; sticky directories restrict removal and replacement to the owners.
// Lookup needs search (x) permission on the directory; calls on an inode
// number alone check only what the operation itself needs (as NFS does).
//
// Atomicity and durability: every call is one KV transaction, retried on
// optimistic conflicts; when it returns ok its effect is durable (synced
// WAL). Concurrent calls on the same directory or file are serialisable.
//
// File data: a regular file's bytes live inline in its metadata up to
// data::kInlineMax, and beyond that in fixed-size blocks stored as
// content-addressed chunks (data/layout.h); holes cost nothing. Files grow to
// kMaxFileSize; past it writes and truncates fail with kTooLarge (EFBIG).
// Writes are buffered per inode (write_back.h): Write returns once the bytes
// are in memory (whole blocks already stored as chunks), and they become
// durable when Fsync returns, or when the background flusher commits them
// (after flush_after, or when the shared memory budget is exceeded). Every
// read, and GetAttr, sees completed writes. A file's buffered bytes are lost
// if the process dies before they are committed (as with a page cache).
// Timestamps: mtime/ctime follow POSIX; atime is set at creation and by
// SetAttr only (the share behaves as if mounted noatime).
//
// Snapshots: /.snapshots/NAME/ in the root is a read-only view of the share
// at snapshot NAME (snapshot/snapshot_views.h), in inode numbers of their own
// (snapshot/snapshot_ino.h); every call below accepts them, and every call
// that would change a view fails with kReadOnly (EROFS).
//
// Thread-safe. The KvEngine and ChunkStore must outlive the Filesystem.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <cstdint>
#include <mutex>
#include <thread>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chunk/chunk_store.h"
#include "common/fs_info.h"
#include "common/status.h"
#include "kv/kv_engine.h"
#include "kv/retry.h"
#include "meta/inode_allocator.h"
#include "vfs/ops/op_context.h"
#include "vfs/path_cache.h"
#include "vfs/path_read.h"
#include "vfs/types.h"
#include "vfs/data/block_cache.h"
#include "vfs/snapshot/snapshot_views.h"
#include "vfs/write_back.h"

namespace nasd::vfs {

struct FilesystemOptions {
  // Unix time in nanoseconds; the system clock when empty.
  std::function<int64_t()> clock;
  // Inode numbers reserved per allocator transaction.
  uint64_t inode_batch = 1024;
  // Optimistic conflicts are retried this way; an operation that still
  // conflicts after max_attempts fails with kConflict (EAGAIN). Every entry
  // change of one directory conflicts with the others, so the default allows
  // many attempts with short, jittered sleeps.
  kv::RetryPolicy retry{.max_attempts = 200,
                        .initial_backoff = std::chrono::microseconds(20),
                        .max_backoff = std::chrono::microseconds(5000)};
  // Block size of the volume (data/layout.h bounds). Fixed at init.
  uint64_t block_size = 4 << 20;
  // Memory for buffered writes, shared by the Filesystems given the same
  // budget; null: a budget of 256 MiB for this Filesystem alone.
  std::shared_ptr<DirtyBudget> dirty_budget;
  // Read cache shared by Filesystems over one ChunkStore; null: a private
  // 64 MiB cache.
  std::shared_ptr<data::BlockCache> cache;
  // Buffered writes older than this are committed in the background.
  std::chrono::milliseconds flush_after{2000};
  // Blocks read ahead of a sequential reader.
  size_t readahead_blocks = 4;
  // Whole blocks each written file stores in the background at once (chunk
  // puts in flight per file). serve and mount raise both this and
  // readahead_blocks to storage.s3.concurrency on S3 (cli/services.h).
  size_t write_uploads = data::PendingWrites::kDefaultInFlight;
  // Capacity of the disk under the chunk store (StatFs); null for stores
  // without one (S3): free space is then reported as kUnboundedFree.
  std::function<Result<FsInfo>()> space;
  // List /.snapshots in the root's ReadDir (config snapshots.visible); it is
  // reachable by name either way.
  bool list_snapshots = false;
  // Memory for the answers of recent path walks (LookupPath), reused while
  // no metadata changes (path_cache.h); 0: none kept.
  size_t path_cache_bytes = 8ULL << 20;
};

class Filesystem {
 public:
  // Opens the share with this name (kNotFound if none), formatting its
  // filesystem (root directory) on first use.
  static Result<std::unique_ptr<Filesystem>> Open(kv::KvEngine& kv, chunk::ChunkStore& chunks,
                                                  std::string_view share_name,
                                                  FilesystemOptions options = {});
  // As Open, by share id; the share record is not consulted.
  static Result<std::unique_ptr<Filesystem>> OpenById(kv::KvEngine& kv, chunk::ChunkStore& chunks,
                                                      uint64_t share_id,
                                                      FilesystemOptions options = {});

  // Commits every buffered write (errors are logged) and stops the flusher.
  ~Filesystem();
  Filesystem(const Filesystem&) = delete;
  Filesystem& operator=(const Filesystem&) = delete;

  uint64_t share_id() const { return share_id_; }
  uint64_t block_size() const { return ctx_.block_size; }
  uint64_t root() const { return root_; }

  // The entry name in directory parent. kNotFound, kNotDirectory (parent),
  // kPermissionDenied (no x on parent).
  Result<Attr> Lookup(const Caller& caller, uint64_t parent, std::string_view name);
  // Lookup of names[0] in dir, of names[1] in what that found, and so on,
  // with the live tree read in one snapshot: one metadata transaction, not
  // one per name. *found gets the attributes of each entry found, in order;
  // the status is the first failed Lookup's (*found then holds the entries
  // before it), ok when every name was found. read, if given, gets the plan
  // of the bytes read->want picks when the path ends at a live file whose
  // bytes are all in that snapshot (ops::LookupPath), sparing a reader
  // MapRead's transaction; else read->plan is left empty.
  Status LookupPath(const Caller& caller, uint64_t dir, std::span<const std::string> names,
                    std::vector<Attr>* found, PathRead* read = nullptr);
  Result<Attr> GetAttr(uint64_t ino);
  // access(2): ok or kPermissionDenied.
  Status Access(const Caller& caller, uint64_t ino, int mask);
  // Access's answer for a read or execute check of attributes the caller
  // already holds (from Lookup or GetAttr), without reading them again.
  // kInvalidArgument for a write check (a snapshot view refuses those).
  static Status AccessOf(const Caller& caller, const Attr& attr, int mask);
  // chmod/chown/truncate/utimensat; returns the new attributes. A size
  // change: kIsDirectory on directories, kInvalidArgument on symlinks,
  // kTooLarge above kMaxFileSize. ctime is updated whenever anything is set.
  // before, if given, gets the attributes the change applied to (read in its
  // transaction: NFS's wcc_data). The file's buffered writes are committed
  // in the same durable transaction, before the change.
  Result<Attr> SetAttr(const Caller& caller, uint64_t ino, const SetAttrRequest& req,
                       Attr* before = nullptr);

  // open(O_CREAT[|O_EXCL]) of a regular file with permission bits mode.
  // Existing name: exclusive -> kAlreadyExists; else the existing regular
  // file is returned (created = false), kIsDirectory for a directory,
  // kAlreadyExists for a symlink (adapters resolve symlinks themselves).
  // Returning an existing file checks no permission on it: the adapter then
  // opens it with OpenFile, which does.
  Result<CreateResult> Create(const Caller& caller, uint64_t parent, std::string_view name,
                              uint32_t mode, bool exclusive);
  Result<Attr> Mkdir(const Caller& caller, uint64_t parent, std::string_view name, uint32_t mode);
  // target: 1..kMaxSymlinkLength bytes, stored verbatim (empty: kNotFound).
  Result<Attr> Symlink(const Caller& caller, uint64_t parent, std::string_view name,
                       std::string_view target);
  // kInvalidArgument unless ino is a symlink.
  Result<std::string> ReadLink(uint64_t ino);
  // A new name for ino (kNotPermitted for directories, kTooManyLinks).
  Result<Attr> Link(const Caller& caller, uint64_t ino, uint64_t new_parent,
                    std::string_view new_name);
  // kIsDirectory for a directory.
  Status Unlink(const Caller& caller, uint64_t parent, std::string_view name);
  // kNotDirectory for a non-directory, kNotEmpty unless empty, kInvalidArgument for ".".
  Status Rmdir(const Caller& caller, uint64_t parent, std::string_view name);
  // renameat2. Atomic; replaces an existing target: file over file, directory
  // over empty directory (kNotEmpty otherwise), kIsDirectory / kNotDirectory
  // for a type mismatch; links to the same inode: nothing happens.
  // kInvalidArgument when moving a directory into its own subtree; kBusy for
  // "." or ".."; flags: kRenameNoReplace (kAlreadyExists if the target exists).
  Status Rename(const Caller& caller, uint64_t old_parent, std::string_view old_name,
                uint64_t new_parent, std::string_view new_name, unsigned flags = 0);
  // Up to max_entries (>= 1) entries after cookie (kCookieStart for the first
  // page): "." (cookie 1) and ".." (2) first, then names in the order of
  // their cookies, 63-bit hashes of the name (>= 3; meta::keys::NameHash).
  // Cookies stay valid across any concurrent change and any restart: an
  // entry present during the whole listing is returned exactly once. Names
  // sharing one cookie (a hash collision) always come in one page, which may
  // then hold more than max_entries. Needs read permission.
  static constexpr uint64_t kCookieStart = 0;
  Result<DirPage> ReadDir(const Caller& caller, uint64_t ino, uint64_t cookie,
                          size_t max_entries);

  // Permission check for open(2) with these flags; truncate empties the file.
  // kLoop on a symlink, kIsDirectory when writing a directory.
  Result<Attr> OpenFile(const Caller& caller, uint64_t ino, OpenFlags flags);
  // Up to length bytes at offset (at most kMaxReadSize); fewer (or none) at
  // the end of the file. Holes read as zeros.
  Result<std::string> Read(uint64_t ino, uint64_t offset, uint64_t length);
  // As Read, with the bytes by reference to the cache's memory (no copy), for
  // adapters that send them as they are (NFS READ, FUSE read). nowait:
  // kWouldBlock instead of waiting (for buffered writes to be flushed, for a
  // chunk not in the block cache, for a snapshot's bytes); nothing is read.
  Result<data::ReadBuffers> ReadShared(uint64_t ino, uint64_t offset, uint64_t length,
                                       bool nowait = false);
  // Where bytes [offset, offset+length) of ino are (inline bytes, holes,
  // ranges of chunks), for adapters that send chunk bytes straight from the
  // store (sendfile, see ChunkStore::OpenFileVerified). Buffered writes are
  // flushed first. A chunk named in the plan stays readable for at least the
  // collector's grace period, however the file changes meanwhile.
  Result<data::ReadPlan> MapRead(uint64_t ino, uint64_t offset, uint64_t length);
  chunk::ChunkStore& chunks() { return ctx_.chunks; }

  // Writes data at offset (extending the file; a gap reads as zeros) and
  // returns the new attributes. Clears setuid/setgid for non-root writers.
  // Buffered: durable after Fsync (see above). kIsDirectory / kInvalidArgument
  // unless ino is a regular file (or an unpublished temp file). before, if
  // given, gets the attributes just before this write, taken atomically with
  // it (NFS's wcc_data): no other write or flush of the file comes between.
  // nowait: kWouldBlock instead of waiting (for the file's lock, the chunk
  // store or the write budget); nothing is written then.
  Result<Attr> Write(const Caller& caller, uint64_t ino, uint64_t offset, std::string_view data,
                     Attr* before = nullptr, bool nowait = false);

  // Open handles (open_files.h). Adapters with open/close semantics (FUSE)
  // call Retain when they open ino and Release when they close it; a regular
  // file whose last link is removed while it is open then keeps its data
  // (nlink 0) until its last Release. Balanced calls only; Retain of a view
  // or a non-file is harmless. Release reports the failure to erase an orphan
  // (it is erased at the next start instead).
  void Retain(uint64_t ino);
  Status Release(uint64_t ino);

  // Makes ino's buffered writes durable (fsync(2)); ok when there are none.
  // kStale if the file was deleted with bytes still buffered.
  Status Fsync(uint64_t ino);
  // Whether ino has writes buffered, so that Fsync has work to do; without
  // waiting.
  bool HasBuffered(uint64_t ino);
  // The bytes an Fsync of ino would store or commit: its buffered writes and
  // the whole blocks stored but not yet committed (0 if none); without
  // waiting: nullopt while another thread holds the file's buffer.
  std::optional<uint64_t> FlushBytes(uint64_t ino);
  // statfs(2). Without FilesystemOptions::space, free bytes are kUnboundedFree.
  static constexpr uint64_t kUnboundedFree = 1ULL << 50;
  Result<FsStats> StatFs();
  // Hits and misses of LookupPath's cache of recent walks.
  PathCache::Stats path_cache_stats() const { return paths_.stats(); }

  // Fsync of every file with buffered writes; the first error is returned.
  Status FlushAll();

  // Changes, for adapters that cache what they served (the kernel's dentries,
  // attributes and pages under a FUSE mount, which WebDAV or NFS changes
  // would otherwise leave stale). Called on the changing thread, holding no
  // vfs lock, once the change is done; a listener must not call this
  // Filesystem. Either function may be empty.
  // - entry(dir, name): a name in dir was added, removed or replaced.
  // - inode(ino): a file's bytes or attributes changed (write, truncate,
  //   chmod, chown, times, a new link).
  struct ChangeListener {
    std::function<void(uint64_t dir, std::string_view name)> entry;
    std::function<void(uint64_t ino)> inode;
  };
  uint64_t AddChangeListener(ChangeListener listener);
  // The listener is not called after this returns.
  void RemoveChangeListener(uint64_t id);

  // Uploads that replace a file atomically. CreateTemp makes an anonymous
  // regular file (nlink 0, like O_TMPFILE; needs w+x on parent) that Write
  // fills and no other call sees; PublishTemp links it as parent/name in one
  // durable transaction with its data, replacing an existing non-directory
  // as rename(2) would (kIsDirectory for a directory); DropTemp discards it.
  // A temp file not published before a restart is gone. CreateTemp takes the
  // folder's attributes as the caller just looked them up (it reads nothing;
  // its access check fails an upload early, PublishTemp's decides).
  Result<Attr> CreateTemp(const Caller& caller, const Attr& parent, uint32_t mode);
  Result<Attr> PublishTemp(const Caller& caller, uint64_t tmp, uint64_t parent,
                           std::string_view name);
  Status DropTemp(uint64_t tmp);

  // Extended attributes, namespaces "user." and "trusted." (root only).
  // Names 1..kMaxXattrNameLength bytes (kValueRange), values up to
  // kMaxXattrValueSize bytes (kValueTooLarge); missing: kNoAttribute.
  Result<std::string> GetXattr(const Caller& caller, uint64_t ino, std::string_view name);
  // flags: 0, kXattrCreate (kAlreadyExists if present) or kXattrReplace
  // (kNoAttribute if absent).
  Status SetXattr(const Caller& caller, uint64_t ino, std::string_view name, std::string_view value,
                  int flags = 0);
  Result<std::vector<std::string>> ListXattr(const Caller& caller, uint64_t ino);
  Status RemoveXattr(const Caller& caller, uint64_t ino, std::string_view name);

 private:
  Filesystem(kv::KvEngine& kv, chunk::ChunkStore& chunks, uint64_t share_id, uint64_t root,
             FilesystemOptions options, std::shared_ptr<DirtyBudget> budget);

  void FlusherLoop();
  // Commits buffers older than flush_after (all: every buffer); stores temp
  // files' partial blocks when over budget. Errors are logged; the first is
  // returned.
  Status FlushAged(bool all);
  // Erases an orphan whose last handle is gone, dropping its buffers.
  Status EraseOrphan(uint64_t ino);
  // Orphans released while their unlink was still committing.
  void EraseClosedOrphans();
  // Orphans a previous process left (its handles died with it).
  Status EraseStartupOrphans();
  // Tell the change listeners that dir/name, or ino, changed.
  void EntryChanged(uint64_t dir, std::string_view name);
  void InodeChanged(uint64_t ino);
  template <typename Call>
  void Notify(const Call& call);

  const uint64_t share_id_;
  const uint64_t root_;
  const bool list_snapshots_;
  const std::chrono::milliseconds flush_after_;
  const std::function<Result<FsInfo>()> space_;
  meta::InodeAllocator inodes_;
  std::shared_ptr<data::BlockCache> cache_;
  data::SequentialTracker sequential_;
  WriteBack writeback_;
  OpenFiles open_files_;
  PathCache paths_;
  OpContext ctx_;
  // /.snapshots and the snapshot views below it (snapshot/snapshot_ino.h).
  std::unique_ptr<SnapshotViews> views_;

  // Copied on change, so that calls run without holding listeners_mu_;
  // removal waits for calls in progress (listener_calls_).
  std::mutex listeners_mu_;
  std::condition_variable listeners_idle_;
  std::shared_ptr<const std::map<uint64_t, ChangeListener>> listeners_ GUARDED_BY(listeners_mu_);
  uint64_t next_listener_ GUARDED_BY(listeners_mu_) = 1;
  int listener_calls_ GUARDED_BY(listeners_mu_) = 0;
  std::atomic<bool> have_listeners_{false};

  std::mutex flusher_mu_;
  std::condition_variable flusher_cv_;
  bool stopping_ = false;
  std::thread flusher_;
};

}  // namespace nasd::vfs
