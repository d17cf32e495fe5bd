#include "chunk/local/local_backend.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <charconv>
#include <filesystem>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "chunk/local/direct_io.h"
#include "chunk/local/fanout_tree.h"
#include "common/posix_io.h"
#include "chunk/object_name.h"
#include "common/logging.h"
#include "common/random.h"

namespace nasd::chunk {
namespace {

using posix::UniqueFd;

// A temporary belongs to a live writer if its "<pid>." prefix names a live
// process; anything else in tmp/ is a leftover.
bool OwnedByLiveProcess(std::string_view tmp_name) {
  pid_t pid = 0;
  const char* end = tmp_name.data() + tmp_name.size();
  auto [ptr, ec] = std::from_chars(tmp_name.data(), end, pid);
  if (ec != std::errc() || ptr == end || *ptr != '.' || pid <= 0) return false;
  return pid == ::getpid() || ::kill(pid, 0) == 0 || errno == EPERM;
}

class LocalBackend final : public Backend {
 public:
  explicit LocalBackend(std::string root)
      : tree_(root), tmp_dir_(root + "/tmp"), salt_(RandomHex(8)) {}

  Status Open() {
    std::error_code ec;
    std::filesystem::create_directories(tree_.root(), ec);
    if (ec) return ErrnoStatus(ec.value(), "create directory " + tree_.root());
    if (::mkdir(tmp_dir_.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus(errno, "create directory " + tmp_dir_);
    }
    NASD_RETURN_IF_ERROR(tree_.Open());
    NASD_RETURN_IF_ERROR(RemoveLeftoverTemporaries());
    return ScanUsage();
  }

  Status PutObject(std::string_view name, std::string_view data) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    NASD_ASSIGN_OR_RETURN(std::unique_ptr<PendingObject> pending, BeginPut());
    const std::string_view parts[] = {data};
    NASD_RETURN_IF_ERROR(pending->Append(parts));
    return pending->Commit(name);
  }

  Result<std::unique_ptr<PendingObject>> BeginPut() override;

  // Moves the synced and closed temporary tmp of size bytes to name's final
  // path and makes the entry durable. Removes tmp if it was not moved.
  Status Publish(const std::string& tmp, std::string_view name, uint64_t size) {
    Status st = CheckObjectName(name);
    FanoutTree::Pending dirs;
    if (st.ok()) st = tree_.MakeDirs(name, &dirs);
    if (st.ok()) st = RenameIntoPlace(tmp, name, size);
    if (!st.ok()) {
      ::unlink(tmp.c_str());  // best effort: a leftover is removed at the next open
      return st;
    }
    NASD_RETURN_IF_ERROR(posix::FsyncDir(tree_.DirOf(name)));
    return tree_.SyncParents(dirs);
  }

  Result<std::string> ReadObject(std::string_view name, uint64_t offset, uint64_t length) override {
    NASD_ASSIGN_OR_RETURN(LocalFile file, OpenLocal(name));
    UniqueFd fd(file.fd);
    if (offset >= file.size) return std::string();
    return posix::PreadFull(fd.get(), offset, std::min(length, file.size - offset),
                            tree_.PathOf(name));
  }

  // Big objects (chunk files written with O_DIRECT) are read the same way,
  // into a pooled aligned buffer: no page-cache copy, no fresh pages.
  Result<SharedBytes> ReadObjectShared(std::string_view name, uint64_t length) override {
    NASD_ASSIGN_OR_RETURN(LocalFile file, OpenLocal(name));
    UniqueFd fd(file.fd);
    const std::string path = tree_.PathOf(name);
    length = std::min(length, file.size);
    std::shared_ptr<char> buf;
    if (direct_io() && length >= kDirectMinBytes) buf = StagingPool::TakeShared(staging_, length);
    if (!buf) {
      NASD_ASSIGN_OR_RETURN(std::string bytes, posix::PreadFull(fd.get(), 0, length, path));
      return SharedBytes::Of(std::move(bytes));
    }
    bool refused = false;
    NASD_ASSIGN_OR_RETURN(size_t done, ReadDirect(fd.get(), buf.get(), length, &refused, path));
    if (refused) DirectIoRefused();
    if (done < length) {
      NASD_ASSIGN_OR_RETURN(size_t more, posix::PreadInto(fd.get(), done, buf.get() + done, length - done, path));
      done += more;
    }
    const std::string_view bytes(buf.get(), done);
    return SharedBytes{std::move(buf), bytes};
  }

  Result<uint64_t> ObjectSize(std::string_view name) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    const std::string path = tree_.PathOf(name);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoStatus(errno, "stat object " + path);
    return static_cast<uint64_t>(st.st_size);
  }

  Status DeleteObject(std::string_view name) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    const std::string path = tree_.PathOf(name);
    {
      std::lock_guard lock(StripeFor(name));
      struct stat st;
      if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return Status::Ok();
        return ErrnoStatus(errno, "stat object " + path);
      }
      if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT) return Status::Ok();
        return ErrnoStatus(errno, "delete object " + path);
      }
      objects_.fetch_sub(1, std::memory_order_relaxed);
      bytes_.fetch_sub(static_cast<uint64_t>(st.st_size), std::memory_order_relaxed);
    }
    return posix::FsyncDir(tree_.DirOf(name));
  }

  Status ListObjects(const std::function<bool(std::string_view name)>& fn) override {
    return tree_.Walk([&](std::string_view name, uint64_t) { return fn(name); });
  }

  BackendUsage Usage() const override {
    return BackendUsage{objects_.load(std::memory_order_relaxed),
                        bytes_.load(std::memory_order_relaxed)};
  }

  Result<LocalFile> OpenLocal(std::string_view name) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    const std::string path = tree_.PathOf(name);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return ErrnoStatus(errno, "open object " + path);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "stat object " + path);
    return LocalFile{fd.release(), static_cast<uint64_t>(st.st_size)};
  }

  std::string Describe() const override { return "local:" + tree_.root(); }

  // Big appends and whole reads go to the disk with O_DIRECT (direct_io.h)
  // until the file system refuses it once.
  bool direct_io() const { return direct_io_.load(std::memory_order_relaxed); }
  StagingPool& staging() { return *staging_; }
  void DirectIoRefused() {
    if (direct_io_.exchange(false)) {
      log::Info("chunk.direct_io_off").Str("dir", tree_.root()).Str(
          "why", "the file system refused O_DIRECT; chunk files are written and read through the page cache");
    }
  }

 private:
  std::string TempPath() {
    return fmt::format("{}/{}.{}.{}.tmp", tmp_dir_, ::getpid(),
                       counter_.fetch_add(1, std::memory_order_relaxed), salt_);
  }

  // Guards the stat+rename/unlink pairs of one name so that usage stays
  // exact under concurrent puts and deletes of the same object.
  std::mutex& StripeFor(std::string_view name) {
    return stripes_[std::hash<std::string_view>{}(name) % stripes_.size()];
  }

  Status RenameIntoPlace(const std::string& tmp, std::string_view name, uint64_t size) {
    const std::string path = tree_.PathOf(name);
    std::lock_guard lock(StripeFor(name));
    struct stat old;
    const bool replaced = ::stat(path.c_str(), &old) == 0;
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      return ErrnoStatus(errno, "rename " + tmp + " to " + path);
    }
    if (replaced) {
      bytes_.fetch_sub(static_cast<uint64_t>(old.st_size), std::memory_order_relaxed);
    } else {
      objects_.fetch_add(1, std::memory_order_relaxed);
    }
    bytes_.fetch_add(size, std::memory_order_relaxed);
    return Status::Ok();
  }

  Status RemoveLeftoverTemporaries() {
    std::vector<std::string> stale;
    NASD_RETURN_IF_ERROR(posix::ForEachEntry(tmp_dir_, [&](const posix::DirEntry& e) {
      if (!OwnedByLiveProcess(e.name)) stale.emplace_back(e.name);
      return true;
    }));
    for (const std::string& name : stale) {
      const std::string path = tmp_dir_ + "/" + name;
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return ErrnoStatus(errno, "remove leftover temporary " + path);
      }
    }
    return Status::Ok();
  }

  Status ScanUsage() {
    uint64_t objects = 0;
    uint64_t bytes = 0;
    NASD_RETURN_IF_ERROR(tree_.Walk([&](std::string_view, uint64_t size) {
      ++objects;
      bytes += size;
      return true;
    }));
    objects_.store(objects);
    bytes_.store(bytes);
    return Status::Ok();
  }

  FanoutTree tree_;
  // Fixed at construction.
  const std::string tmp_dir_;
  const std::string salt_;

  std::atomic<uint64_t> counter_{0};
  std::atomic<uint64_t> objects_{0};
  std::atomic<uint64_t> bytes_{0};
  std::array<std::mutex, 64> stripes_;
  std::atomic<bool> direct_io_{true};
  // Staging buffers of direct writes and reads (the block cache gives the
  // latter back as it evicts them).
  std::shared_ptr<StagingPool> staging_ =
      std::make_shared<StagingPool>(std::max(4u, 2 * std::thread::hardware_concurrency()));
};

// A staged put: a temporary file in root/tmp/ that Commit renames into place.
class LocalPendingObject final : public PendingObject {
 public:
  LocalPendingObject(LocalBackend& backend, std::string tmp, UniqueFd fd)
      : backend_(backend), tmp_(std::move(tmp)), fd_(std::move(fd)) {}
  ~LocalPendingObject() override { Abort(); }

  Status Append(std::span<const std::string_view> parts) override {
    if (finished_) return FailedPrecondition("append to a finished staged put " + tmp_);
    uint64_t total = 0;
    for (std::string_view part : parts) total += part.size();
    Status st;
    if (backend_.direct_io() && total >= kDirectMinBytes && size_ % kDirectAlign == 0) {
      Result<DirectAppendResult> r = AppendDirect(fd_.get(), parts, backend_.staging(), tmp_);
      if (r.ok() && r->unsupported) backend_.DirectIoRefused();
      st = r.status();
    } else {
      st = posix::WriteFull(fd_.get(), parts, tmp_);
    }
    if (!st.ok()) {
      Abort();
      return st;
    }
    size_ += total;
    synced_ = false;
    return Status::Ok();
  }

  Status Sync() override {
    if (finished_) return FailedPrecondition("sync of a finished staged put " + tmp_);
    if (!synced_ && ::fsync(fd_.get()) != 0) {
      // After a failed fsync the file's contents are unknown: drop it.
      Status st = ErrnoStatus(errno, "fsync " + tmp_);
      Abort();
      return st;
    }
    synced_ = true;
    return Status::Ok();
  }

  Status Commit(std::string_view name) override {
    if (finished_) return FailedPrecondition("commit of a finished staged put " + tmp_);
    NASD_RETURN_IF_ERROR(Sync());
    Status st = fd_.Close(tmp_);
    if (!st.ok()) {
      Abort();
      return st;
    }
    finished_ = true;
    return backend_.Publish(tmp_, name, size_);
  }

  void Abort() override {
    if (finished_) return;
    finished_ = true;
    fd_.Close(tmp_).IgnoreError();  // the bytes are discarded anyway
    // Best effort: a temporary that cannot be removed now is removed at the
    // next open, and is never listed or counted meanwhile.
    ::unlink(tmp_.c_str());
  }

 private:
  LocalBackend& backend_;
  const std::string tmp_;
  UniqueFd fd_;
  uint64_t size_ = 0;
  bool synced_ = false;
  bool finished_ = false;  // committed or aborted
};

Result<std::unique_ptr<PendingObject>> LocalBackend::BeginPut() {
  std::string tmp = TempPath();
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) return ErrnoStatus(errno, "create " + tmp);
  return std::unique_ptr<PendingObject>(
      std::make_unique<LocalPendingObject>(*this, std::move(tmp), std::move(fd)));
}

}  // namespace

Result<std::unique_ptr<Backend>> OpenLocalBackend(const std::string& dir) {
  if (dir.empty()) return InvalidArgument("local chunk backend: empty directory");
  std::string root = dir;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  auto backend = std::make_unique<LocalBackend>(std::move(root));
  NASD_RETURN_IF_ERROR(backend->Open().WithContext("open local chunk backend " + dir));
  return std::unique_ptr<Backend>(std::move(backend));
}

}  // namespace nasd::chunk
