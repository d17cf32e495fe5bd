#include "chunk/local/local_backend.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <charconv>
#include <mutex>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "chunk/local/posix_io.h"
#include "chunk/object_name.h"
#include "common/random.h"
#include "common/thread_annotations.h"

namespace nasd::chunk {
namespace {

using posix::UniqueFd;

constexpr std::string_view kTmpDir = "tmp";
constexpr std::string_view kShortDir = "_";

bool IsFanoutChar(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); }

bool IsFanoutComponent(std::string_view s) {
  return s.size() == 2 && IsFanoutChar(s[0]) && IsFanoutChar(s[1]);
}

bool UsesFanout(std::string_view name) {
  return name.size() >= 4 && IsFanoutComponent(name.substr(0, 2)) &&
         IsFanoutComponent(name.substr(2, 2));
}

// A temporary belongs to a live writer if its "<pid>." prefix names a live
// process; anything else in tmp/ is a leftover.
bool OwnedByLiveProcess(std::string_view tmp_name) {
  pid_t pid = 0;
  auto [ptr, ec] = std::from_chars(tmp_name.data(), tmp_name.data() + tmp_name.size(), pid);
  const char* end = tmp_name.data() + tmp_name.size();
  if (ec != std::errc() || ptr == end || *ptr != '.' || pid <= 0) return false;
  return pid == ::getpid() || ::kill(pid, 0) == 0 || errno == EPERM;
}

class LocalBackend final : public Backend {
 public:
  explicit LocalBackend(std::string root)
      : root_(std::move(root)), tmp_dir_(root_ + "/" + std::string(kTmpDir)),
        salt_(RandomHex(8)) {}

  Status Open() {
    for (const std::string& d : {root_, tmp_dir_, root_ + "/" + std::string(kShortDir)}) {
      if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoStatus(errno, "create directory " + d);
      }
    }
    NASD_RETURN_IF_ERROR(posix::FsyncDir(root_));
    NASD_RETURN_IF_ERROR(RemoveLeftoverTemporaries());
    return ScanUsage();
  }

  Status PutObject(std::string_view name, std::string_view data) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    NASD_RETURN_IF_ERROR(EnsureDirs(name));
    const std::string tmp = TempPath();
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd.valid()) return ErrnoStatus(errno, "create " + tmp);
    Status st = posix::WriteFull(fd.get(), data, tmp);
    if (st.ok() && ::fsync(fd.get()) != 0) st = ErrnoStatus(errno, "fsync " + tmp);
    if (st.ok()) st = fd.Close(tmp);
    if (st.ok()) st = RenameIntoPlace(tmp, name, data.size());
    if (!st.ok()) {
      ::unlink(tmp.c_str());
      return st;
    }
    return posix::FsyncDir(DirOf(name));
  }

  Result<std::string> ReadObject(std::string_view name, uint64_t offset,
                                 uint64_t length) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    const std::string path = PathOf(name);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return ErrnoStatus(errno, "open object " + path);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "stat object " + path);
    const auto size = static_cast<uint64_t>(st.st_size);
    if (offset >= size) return std::string();
    return posix::PreadFull(fd.get(), offset, std::min(length, size - offset), path);
  }

  Result<uint64_t> ObjectSize(std::string_view name) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    const std::string path = PathOf(name);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoStatus(errno, "stat object " + path);
    return static_cast<uint64_t>(st.st_size);
  }

  Status DeleteObject(std::string_view name) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    const std::string path = PathOf(name);
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
    return posix::FsyncDir(DirOf(name));
  }

  Status ListObjects(const std::function<bool(std::string_view name)>& fn) override {
    return Walk([&](std::string_view name, uint64_t) { return fn(name); });
  }

  BackendUsage Usage() const override {
    return BackendUsage{objects_.load(std::memory_order_relaxed),
                        bytes_.load(std::memory_order_relaxed)};
  }

  Result<LocalFile> OpenLocal(std::string_view name) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    const std::string path = PathOf(name);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return ErrnoStatus(errno, "open object " + path);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "stat object " + path);
    return LocalFile{fd.release(), static_cast<uint64_t>(st.st_size)};
  }

  std::string Describe() const override { return "local:" + root_; }

 private:
  std::string DirOf(std::string_view name) const {
    if (!UsesFanout(name)) return fmt::format("{}/{}", root_, kShortDir);
    return fmt::format("{}/{}/{}", root_, name.substr(0, 2), name.substr(2, 2));
  }
  std::string PathOf(std::string_view name) const {
    return fmt::format("{}/{}", DirOf(name), name);
  }

  std::string TempPath() {
    return fmt::format("{}/{}.{}.{}.tmp", tmp_dir_, ::getpid(),
                       counter_.fetch_add(1, std::memory_order_relaxed), salt_);
  }

  // Guards the stat+rename/unlink pairs of one name so that usage stays
  // exact under concurrent puts and deletes of the same object.
  std::mutex& StripeFor(std::string_view name) {
    return stripes_[std::hash<std::string_view>{}(name) % stripes_.size()];
  }

  // Creates the fan-out directories of name if needed and makes their
  // entries durable (fsync of each parent) once per backend instance: a
  // directory made by a crashed process may exist without a durable entry.
  Status EnsureDirs(std::string_view name) {
    if (!UsesFanout(name)) return Status::Ok();  // root/_ is made durable at open
    const std::string level1 = fmt::format("{}/{}", root_, name.substr(0, 2));
    const std::string level2 = DirOf(name);
    {
      std::lock_guard lock(dirs_mu_);
      if (durable_dirs_.contains(level2)) return Status::Ok();
    }
    for (const auto& [dir, parent] : {std::pair{level1, root_}, std::pair{level2, level1}}) {
      if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoStatus(errno, "create directory " + dir);
      }
      NASD_RETURN_IF_ERROR(posix::FsyncDir(parent));
    }
    std::lock_guard lock(dirs_mu_);
    durable_dirs_.insert(level2);
    return Status::Ok();
  }

  Status RenameIntoPlace(const std::string& tmp, std::string_view name, uint64_t size) {
    const std::string path = PathOf(name);
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
    NASD_RETURN_IF_ERROR(Walk([&](std::string_view, uint64_t size) {
      ++objects;
      bytes += size;
      return true;
    }));
    objects_.store(objects);
    bytes_.store(bytes);
    return Status::Ok();
  }

  // Visits every complete object (name, size) in the fan-out tree and in
  // root/_; temporaries and foreign files are never visited. Objects deleted
  // during the walk may or may not be seen.
  Status Walk(const std::function<bool(std::string_view, uint64_t)>& fn);
  // Visits the valid object files of one directory; sets *stop when fn did.
  Status WalkLeaf(const std::string& dir, std::string_view prefix, bool* stop,
                  const std::function<bool(std::string_view, uint64_t)>& fn);

  // Fixed at construction.
  const std::string root_;
  const std::string tmp_dir_;
  const std::string salt_;

  std::atomic<uint64_t> counter_{0};
  std::atomic<uint64_t> objects_{0};
  std::atomic<uint64_t> bytes_{0};
  std::array<std::mutex, 64> stripes_;
  std::mutex dirs_mu_;
  std::unordered_set<std::string> durable_dirs_ GUARDED_BY(dirs_mu_);
};

Status LocalBackend::WalkLeaf(const std::string& dir, std::string_view prefix, bool* stop,
                              const std::function<bool(std::string_view, uint64_t)>& fn) {
  std::vector<std::string> names;
  Status st = posix::ForEachEntry(dir, [&](const posix::DirEntry& e) {
    // Only a file whose name maps back to this directory is an object.
    if (e.is_file && IsValidObjectName(e.name) && UsesFanout(e.name) == !prefix.empty() &&
        e.name.substr(0, prefix.size()) == prefix) {
      names.emplace_back(e.name);
    }
    return true;
  });
  if (st.code() == Code::kNotFound) return Status::Ok();  // removed concurrently
  NASD_RETURN_IF_ERROR(st);
  for (const std::string& name : names) {
    struct stat s;
    const std::string path = dir + "/" + name;
    if (::stat(path.c_str(), &s) != 0) {
      if (errno == ENOENT) continue;  // deleted concurrently
      return ErrnoStatus(errno, "stat object " + path);
    }
    if (!fn(name, static_cast<uint64_t>(s.st_size))) {
      *stop = true;
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Status LocalBackend::Walk(const std::function<bool(std::string_view, uint64_t)>& fn) {
  bool stop = false;
  NASD_RETURN_IF_ERROR(WalkLeaf(root_ + "/" + std::string(kShortDir), "", &stop, fn));
  if (stop) return Status::Ok();
  std::vector<std::string> level1;
  NASD_RETURN_IF_ERROR(posix::ForEachEntry(root_, [&](const posix::DirEntry& e) {
    if (e.is_dir && IsFanoutComponent(e.name)) level1.emplace_back(e.name);
    return true;
  }));
  for (const std::string& a : level1) {
    std::vector<std::string> level2;
    Status st = posix::ForEachEntry(root_ + "/" + a, [&](const posix::DirEntry& e) {
      if (e.is_dir && IsFanoutComponent(e.name)) level2.emplace_back(e.name);
      return true;
    });
    if (st.code() == Code::kNotFound) continue;
    NASD_RETURN_IF_ERROR(st);
    for (const std::string& b : level2) {
      if (stop) return Status::Ok();
      NASD_RETURN_IF_ERROR(WalkLeaf(fmt::format("{}/{}/{}", root_, a, b), a + b, &stop, fn));
    }
    if (stop) return Status::Ok();
  }
  return Status::Ok();
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
