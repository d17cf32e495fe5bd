#include "fuse/fuse_mount.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mount.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/logging.h"
#include "common/thread_annotations.h"
#include "fuse/ops_base.h"

namespace nasd::fuse {
std::string ReadaheadPath(dev_t dev) {
  return fmt::format("/sys/class/bdi/{}:{}/read_ahead_kb", major(dev), minor(dev));
}

namespace {

// Sent to the loop thread to wake it from its wait when Stop must end a
// mount that files still hold open (see Stop).
constexpr int kWakeSignal = SIGUSR1;
// libfuse's limit on workers at API version 35 (FUSE_LOOP_MT_DEF_MAX_THREADS).
constexpr int kMaxThreads = 10;
// How long Stop lets open files keep a busy mount alive before aborting it.
constexpr auto kBusyGrace = std::chrono::seconds(2);

void OnWake(int) {}

void InstallWakeHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = OnWake;  // no SA_RESTART: the loop's sem_wait returns EINTR
    sigemptyset(&sa.sa_mask);
    sigaction(kWakeSignal, &sa, nullptr);
  });
}

// libfuse's own messages (mount failures, protocol errors) into nasd's log.
void LogFromFuse(enum fuse_log_level level, const char* fmt, va_list ap) {
  char buf[512];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  std::string_view msg(buf);
  while (!msg.empty() && msg.back() == '\n') msg.remove_suffix(1);
  if (level <= FUSE_LOG_ERR) {
    log::Warn("fuse.libfuse").Str("message", msg);
  } else {
    log::Debug("fuse.libfuse").Str("message", msg);
  }
}

void Init(void* userdata, fuse_conn_info* conn) {
  (void)userdata;
  // Re-exporters (Samba, knfsd) need lookups of "." and "..".
  if (conn->capable & FUSE_CAP_EXPORT_SUPPORT) conn->want |= FUSE_CAP_EXPORT_SUPPORT;
  // open(O_TRUNC) reaches OpenFile with truncate instead of a separate setattr.
  if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC) conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
  // No kernel writeback cache: with it the kernel keeps dirty pages for many
  // seconds, takes file sizes and mtimes as its own and ignores changes made
  // by WebDAV or NFS meanwhile, so writes from two protocols to the same
  // share would overwrite each other and reads would see stale sizes. vfs
  // buffers writes itself (write_back.h), where every protocol sees them.
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  // vfs clears setuid/setgid on writes, truncates and chowns itself
  // (vfs/ops: KillSuid), so the kernel need not send a chmod of its own.
  if (conn->capable & FUSE_CAP_HANDLE_KILLPRIV) conn->want |= FUSE_CAP_HANDLE_KILLPRIV;
  // vfs checks permissions and umask is applied by the kernel.
  conn->want &= ~FUSE_CAP_DONT_MASK;
  conn->max_write = kMaxIo;
  conn->max_read = kMaxIo;  // as the max_read mount option says
  conn->max_readahead = kMaxIo;
  // Several requests of one file in flight at once (readahead, parallel reads).
  if (conn->capable & FUSE_CAP_ASYNC_READ) conn->want |= FUSE_CAP_ASYNC_READ;
  // Plain READDIR only (ops_dir.cc): READDIRPLUS loads every entry's inode,
  // and smbd lists the whole directory before each create (a case-insensitive
  // name check), so plus made creating N files over SMB cost N^2 inode loads;
  // without it 1 000 small files went in 1.6-2x faster, with listings and
  // reads no slower (the stats that follow a listing are lookups, cached).
  conn->want &= ~(FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO);
}

// The kernel reads ahead only 128 KiB on a FUSE mount (its init message
// offers that, and the reply may only lower it); a sequential reader (smbd
// serving a big file, cp) went 20-30% faster with kMaxIo. Set through the
// mount's backing device in sysfs; best effort. Needs the loop running (the
// stat is answered by it).
void RaiseReadahead(const std::string& mountpoint) {
  struct stat st {};
  if (::stat(mountpoint.c_str(), &st) != 0) return;
  const std::string path = ReadaheadPath(st.st_dev);
  const std::string kb = std::to_string(kMaxIo >> 10);
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  bool ok = fd >= 0 && ::write(fd, kb.data(), kb.size()) == static_cast<ssize_t>(kb.size());
  if (fd >= 0) ::close(fd);
  if (!ok) log::Info("fuse.readahead_unchanged").Str("path", path).Str("error", std::strerror(errno));
}

const fuse_lowlevel_ops& Ops() {
  static const fuse_lowlevel_ops ops = [] {
    fuse_lowlevel_ops o{};
    o.init = Init;
    AddEntryOps(o);
    AddAttrOps(o);
    AddIoOps(o);
    AddDirOps(o);
    return o;
  }();
  return ops;
}

Status CheckMountpoint(const std::string& path) {
  if (geteuid() != 0) {
    return FailedPrecondition("mounting needs root (/dev/fuse and allow_other are root-only here)");
  }
  if (::access("/dev/fuse", R_OK | W_OK) != 0) {
    return FailedPrecondition(
        fmt::format("/dev/fuse is not usable ({}); load the fuse module or give the container the device",
                    std::strerror(errno)));
  }
  if (path.empty() || path[0] != '/') {
    return FailedPrecondition(fmt::format("mountpoint '{}' must be an absolute path", path));
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOTCONN) {
    // A FUSE mount whose server died (SIGKILL, crash) stays behind, answering
    // ENOTCONN; a restarted server takes its place after detaching it.
    if (::umount2(path.c_str(), MNT_DETACH) == 0) {
      log::Warn("fuse.stale_mount_detached").Str("mountpoint", path);
    }
  }
  if (::stat(path.c_str(), &st) != 0) {
    return FailedPrecondition(fmt::format("mountpoint {}: {}", path, std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) return FailedPrecondition(fmt::format("mountpoint {} is not a directory", path));
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return FailedPrecondition(fmt::format("mountpoint {}: {}", path, std::strerror(errno)));
  bool empty = true;
  for (dirent* e; (e = ::readdir(d)) != nullptr;) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") empty = false;
  }
  ::closedir(d);
  if (!empty) return FailedPrecondition(fmt::format("mountpoint {} is not empty", path));
  return Status::Ok();
}

// Mount options for the kernel and libfuse, comma-separated (commas and
// backslashes in values escaped as libfuse's option parser wants).
std::string MountOptionString(const MountOptions& o) {
  std::string fsname;
  for (char c : o.fsname.empty() ? std::string("nasd") : o.fsname) {
    if (c == ',' || c == '\\') fsname.push_back('\\');
    fsname.push_back(c);
  }
  std::string opts = "fsname=" + fsname + ",subtype=nasd";
  opts += fmt::format(",max_read={}", kMaxIo);
  if (o.allow_other) opts += ",allow_other";
  if (o.read_only) opts += ",ro";
  return opts;
}

}  // namespace

struct FuseMount::Impl {
  MountOptions options;
  FuseFs ctx;
  fuse_session* se = nullptr;
  std::thread loop;

  std::mutex mu;
  std::condition_variable cv;
  bool loop_returned GUARDED_BY(mu) = false;  // no request is served any more
  bool loop_ended GUARDED_BY(mu) = false;     // and buffered writes are committed
  bool stopped GUARDED_BY(mu) = false;
  std::mutex stop_mu;  // serialises Stop

  // Names changed through another protocol (WebDAV, NFS, another mount of
  // the share) are dropped from the kernel's dentry cache at once, so that
  // an SMB client never opens a name that was replaced or misses a new one
  // for the length of kEntryTimeout; a file written, truncated or chmodded
  // there has its cached attributes and pages dropped, so that its new size
  // and bytes show at once too. Synchronous: the other protocol's reply
  // follows the invalidation. Never from this mount's own workers (the
  // kernel knows their changes, and notifying from inside a request on the
  // same directory could deadlock).
  uint64_t listener = 0;
  std::mutex notify_mu;
  bool notify_on GUARDED_BY(notify_mu) = false;

  void Invalidate(uint64_t dir, std::string_view name) {
    if (t_serving == &ctx) return;
    std::lock_guard lock(notify_mu);
    if (!notify_on) return;
    int rc = fuse_lowlevel_notify_inval_entry(se, ctx.ToNode(dir), name.data(), name.size());
    // ENOENT: the kernel had no such dentry cached, which is the common case.
    if (rc != 0 && rc != -ENOENT) {
      log::Debug("fuse.inval_entry_failed").Uint("dir", dir).Int("errno", -rc);
    }
  }
  void InvalidateInode(uint64_t ino) {
    if (t_serving == &ctx || !ctx.Knows(ino)) return;
    std::lock_guard lock(notify_mu);
    if (!notify_on) return;
    // Offset 0, length 0: the attributes and every cached page.
    int rc = fuse_lowlevel_notify_inval_inode(se, ctx.ToNode(ino), 0, 0);
    if (rc != 0 && rc != -ENOENT) {
      log::Debug("fuse.inval_inode_failed").Uint("ino", ino).Int("errno", -rc);
    }
  }
  void StopNotifying() {
    std::lock_guard lock(notify_mu);
    notify_on = false;
  }

  void Run() {
    sigset_t wake;
    sigemptyset(&wake);
    sigaddset(&wake, kWakeSignal);
    pthread_sigmask(SIG_UNBLOCK, &wake, nullptr);
    fuse_loop_config cfg{};
    cfg.clone_fd = 0;
    cfg.max_idle_threads = static_cast<unsigned>(std::clamp(options.threads, 1, kMaxThreads));
    int rc = fuse_session_loop_mt(se, &cfg);
    // From here on a late wake signal must not interrupt the unmount or the
    // commits below (the handler is installed without SA_RESTART).
    pthread_sigmask(SIG_BLOCK, &wake, nullptr);
    StopNotifying();  // the session's device is about to close
    Mark(loop_returned);
    // Closes the device (aborting a connection that open files still hold)
    // and unmounts lazily if still mounted; nothing when already unmounted.
    fuse_session_unmount(se);
    Status flushed = ctx.fs->FlushAll();
    if (!flushed.ok()) log::Error("fuse.flush_failed").Str("mountpoint", options.mountpoint).Err(flushed);
    log::Info("fuse.unmounted").Str("mountpoint", options.mountpoint).Int("loop_result", rc);
    Mark(loop_ended);
  }

  void Mark(bool& flag) {
    std::lock_guard lock(mu);
    flag = true;
    cv.notify_all();
  }
};

FuseMount::FuseMount(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<FuseMount>> FuseMount::Start(std::shared_ptr<vfs::Filesystem> fs,
                                                    MountOptions options) {
  NASD_RETURN_IF_ERROR(CheckMountpoint(options.mountpoint));
  static std::once_flag log_once;
  std::call_once(log_once, [] { fuse_set_log_func(LogFromFuse); });
  InstallWakeHandler();

  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->ctx.root = fs->root();
  impl->ctx.fs = std::move(fs);
  impl->ctx.read_only = impl->options.read_only;
  impl->ctx.direct_io = impl->options.direct_io;

  std::string opts = MountOptionString(impl->options);
  std::vector<char*> argv = {const_cast<char*>("nasd"), const_cast<char*>("-o"), opts.data()};
  fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
  impl->se = fuse_session_new(&args, &Ops(), sizeof(fuse_lowlevel_ops), &impl->ctx);
  fuse_opt_free_args(&args);
  if (impl->se == nullptr) return Internal(fmt::format("fuse session options rejected: {}", opts));
  if (fuse_session_mount(impl->se, impl->options.mountpoint.c_str()) != 0) {
    fuse_session_destroy(impl->se);
    return Status(Code::kIoError,
                  fmt::format("mounting {} failed (see the fuse.libfuse log line for the cause)",
                              impl->options.mountpoint));
  }
  Impl* raw = impl.get();
  {
    std::lock_guard lock(raw->notify_mu);
    raw->notify_on = true;
  }
  raw->listener = raw->ctx.fs->AddChangeListener(
      {.entry = [raw](uint64_t dir, std::string_view name) { raw->Invalidate(dir, name); },
       .inode = [raw](uint64_t ino) { raw->InvalidateInode(ino); }});
  impl->loop = std::thread([raw] { raw->Run(); });
  RaiseReadahead(raw->options.mountpoint);
  log::Info("fuse.mounted")
      .Str("mountpoint", raw->options.mountpoint)
      .Str("fsname", raw->options.fsname)
      .Int("read_only", raw->options.read_only)
      .Int("allow_other", raw->options.allow_other);
  return std::unique_ptr<FuseMount>(new FuseMount(std::move(impl)));
}

void FuseMount::Stop() {
  Impl& m = *impl_;
  std::lock_guard stop_lock(m.stop_mu);
  {
    std::lock_guard lock(m.mu);
    if (m.stopped) return;
    m.stopped = true;
  }
  // No invalidation may start once the session goes away.
  m.ctx.fs->RemoveChangeListener(m.listener);
  m.StopNotifying();
  // A plain unmount ends the connection, and the loop with it, once nothing
  // on the mount is open. It fails with EBUSY while a process (smbd, a shell)
  // holds a file or directory there: then the loop is told to exit and woken,
  // which closes the device, aborts the connection (those files get ENOTCONN)
  // and detaches the mount.
  bool unmounted = ::umount2(m.options.mountpoint.c_str(), 0) == 0;
  std::unique_lock lock(m.mu);
  auto returned = [&m]() REQUIRES(m.mu) { return m.loop_returned; };
  if (!m.cv.wait_for(lock, unmounted ? std::chrono::seconds(30) : kBusyGrace, returned)) {
    log::Warn("fuse.unmount_busy").Str("mountpoint", m.options.mountpoint);
    fuse_session_exit(m.se);
    while (!m.loop_returned) {
      pthread_kill(m.loop.native_handle(), kWakeSignal);
      m.cv.wait_for(lock, std::chrono::milliseconds(100), returned);
    }
  }
  lock.unlock();
  if (m.loop.joinable()) m.loop.join();  // after the commits
}

void FuseMount::Wait() {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait(lock, [&] { return impl_->loop_ended; });
}

bool FuseMount::mounted() const {
  std::lock_guard lock(impl_->mu);
  return !impl_->loop_returned && !impl_->stopped;
}

const std::string& FuseMount::mountpoint() const { return impl_->options.mountpoint; }

size_t FuseMount::nodes_known() const { return impl_->ctx.known(); }

FuseMount::~FuseMount() {
  Stop();
  if (impl_->se != nullptr) fuse_session_destroy(impl_->se);
}

}  // namespace nasd::fuse
