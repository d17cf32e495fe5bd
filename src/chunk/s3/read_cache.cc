#include "chunk/s3/read_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "chunk/object_name.h"
#include "common/logging.h"
#include "common/thread_annotations.h"

namespace nasd::chunk {
namespace {

class ReadCache final : public ReadCacheBackend {
 public:
  ReadCache(std::unique_ptr<Backend> base, std::string dir, uint64_t capacity)
      : base_(std::move(base)), dir_(std::move(dir)), capacity_(capacity) {}

  Status PutObject(std::string_view name, std::string_view data) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    Drop(name);
    return base_->PutObject(name, data);
  }

  Result<std::string> ReadObject(std::string_view name, uint64_t offset, uint64_t length) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    if (auto cached = ReadCached(name, offset, length)) return std::move(*cached);
    misses_.fetch_add(1, std::memory_order_relaxed);
    NASD_ASSIGN_OR_RETURN(std::string data, base_->ReadObject(name, offset, length));
    if (offset == 0 && data.size() < length && data.size() <= capacity_) Insert(name, data);
    return data;
  }

  Result<uint64_t> ObjectSize(std::string_view name) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    {
      std::lock_guard lock(mu_);
      auto it = index_.find(std::string(name));
      if (it != index_.end() && it->second->confirmed) return it->second->size;
    }
    Result<uint64_t> size = base_->ObjectSize(name);
    if (size.ok()) {
      std::lock_guard lock(mu_);
      auto it = index_.find(std::string(name));
      if (it != index_.end()) {
        if (it->second->size == *size) {
          it->second->confirmed = true;
        } else {
          EraseLocked(std::string(name), true);  // not the bucket's object
        }
      }
    }
    return size;
  }

  bool Invalidate(std::string_view name) override {
    if (!IsValidObjectName(name)) return false;
    std::lock_guard lock(mu_);
    if (!index_.contains(std::string(name))) return false;
    EraseLocked(std::string(name), true);
    ++invalidations_;
    return true;
  }

  Status DeleteObject(std::string_view name) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    Drop(name);
    return base_->DeleteObject(name);
  }

  Status ListObjects(const std::function<bool(std::string_view name)>& fn) override { return base_->ListObjects(fn); }
  BackendUsage Usage() const override { return base_->Usage(); }
  std::string Describe() const override { return fmt::format("{} (read cache {})", base_->Describe(), dir_); }

  ReadCacheStats CacheStats() const override {
    std::lock_guard lock(mu_);
    return {hits_.load(), misses_.load(), evictions_, invalidations_, bytes_, static_cast<uint64_t>(index_.size())};
  }

  // Indexes the files of a cache left by an earlier run, most recently used
  // (newest mtime) first, and removes temporaries and strangers.
  Status Load() {
    struct Found {
      std::string name;
      uint64_t size;
      std::filesystem::file_time_type mtime;
    };
    std::vector<Found> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
      const std::string name = entry.path().filename().string();
      std::error_code e1, e2;
      const bool regular = entry.is_regular_file(e1);
      const uint64_t size = regular ? entry.file_size(e1) : 0;
      const auto mtime = regular ? entry.last_write_time(e2) : std::filesystem::file_time_type();
      // Temporaries ("~..."; ".tmp.*" from older versions) are never object names.
      if (!regular || e1 || e2 || !IsValidObjectName(name) || name.starts_with(".tmp.")) {
        std::filesystem::remove_all(entry.path(), e1);
        if (e1) return Status(CodeFromErrno(e1.value()), fmt::format("clean read cache {}: {}", dir_, e1.message()));
        continue;
      }
      found.push_back({name, size, mtime});
    }
    if (ec) return Status(CodeFromErrno(ec.value()), fmt::format("list read cache {}: {}", dir_, ec.message()));
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.mtime > b.mtime; });
    std::lock_guard lock(mu_);
    for (Found& f : found) {
      lru_.push_back({f.name, f.size, /*confirmed=*/false});
      index_[f.name] = std::prev(lru_.end());
      bytes_ += f.size;
    }
    EvictLocked();
    return Status::Ok();
  }

 private:
  struct Entry {
    std::string name;
    uint64_t size;
    // The base is known to hold the object with this size (it was read or
    // sized through this process); false for files found at open.
    bool confirmed;
  };
  using Lru = std::list<Entry>;  // most recently used first

  std::string PathOf(std::string_view name) const { return dir_ + "/" + std::string(name); }

  // The bytes from the cached copy, or nullopt on a miss.
  std::optional<std::string> ReadCached(std::string_view name, uint64_t offset, uint64_t length) {
    int fd = -1;
    uint64_t size = 0;
    {
      std::lock_guard lock(mu_);
      auto it = index_.find(std::string(name));
      if (it == index_.end()) return std::nullopt;
      lru_.splice(lru_.begin(), lru_, it->second);
      size = it->second->size;
      // Opened under the lock: an eviction may unlink the file, never under an open descriptor.
      fd = ::open(PathOf(name).c_str(), O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) return std::nullopt;
    std::string out;
    if (offset < size) out.resize(std::min(length, size - offset));
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    if (done == out.size()) ::futimens(fd, nullptr);  // recency for the next open's LRU order
    ::close(fd);
    if (done != out.size()) {
      Drop(name);
      return std::nullopt;
    }
    hits_.fetch_add(1, std::memory_order_relaxed);
    return out;
  }

  void Insert(std::string_view name, const std::string& data) {
    // Written under a unique temporary name and renamed: a reader (or the
    // next open) sees the whole file or none. '~' is never in an object name.
    const std::string tmp = fmt::format("{}/~{}.{}", dir_, name, tmp_counter_.fetch_add(1));
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;  // caching is best effort
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd, data.data() + done, data.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(fd);
    std::lock_guard lock(mu_);
    if (done != data.size() || ::rename(tmp.c_str(), PathOf(name).c_str()) != 0) {
      ::unlink(tmp.c_str());
      return;
    }
    EraseLocked(std::string(name), /*unlink=*/false);  // an older copy was just replaced
    lru_.push_front({std::string(name), data.size(), /*confirmed=*/true});
    index_[std::string(name)] = lru_.begin();
    bytes_ += data.size();
    EvictLocked();
  }

  void EvictLocked() REQUIRES(mu_) {
    while (bytes_ > capacity_ && !lru_.empty()) {
      EraseLocked(lru_.back().name, true);
      ++evictions_;
    }
  }

  void Drop(std::string_view name) {
    std::lock_guard lock(mu_);
    EraseLocked(std::string(name), true);
  }

  // name by value: callers may pass a reference into the entry being erased.
  void EraseLocked(std::string name, bool unlink) REQUIRES(mu_) {
    auto it = index_.find(name);
    if (it == index_.end()) return;
    bytes_ -= it->second->size;
    lru_.erase(it->second);
    index_.erase(it);
    if (unlink) ::unlink(PathOf(name).c_str());
  }

  const std::unique_ptr<Backend> base_;
  const std::string dir_;
  const uint64_t capacity_;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> tmp_counter_{0};
  mutable std::mutex mu_;
  Lru lru_ GUARDED_BY(mu_);
  std::unordered_map<std::string, Lru::iterator> index_ GUARDED_BY(mu_);
  uint64_t bytes_ GUARDED_BY(mu_) = 0;
  uint64_t evictions_ GUARDED_BY(mu_) = 0;
  uint64_t invalidations_ GUARDED_BY(mu_) = 0;
};

}  // namespace

Result<std::unique_ptr<ReadCacheBackend>> OpenReadCache(std::unique_ptr<Backend> base, const std::string& dir,
                                                        uint64_t capacity_bytes) {
  if (capacity_bytes == 0) return InvalidArgument("read cache capacity must be above 0");
  if (dir.empty()) return InvalidArgument("read cache needs a folder");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status(CodeFromErrno(ec.value()), fmt::format("create read cache {}: {}", dir, ec.message()));
  auto cache = std::make_unique<ReadCache>(std::move(base), dir, capacity_bytes);
  NASD_RETURN_IF_ERROR(cache->Load());
  ReadCacheStats loaded = cache->CacheStats();
  log::Info("s3.read_cache_opened")
      .Str("dir", dir)
      .Int("objects", static_cast<int64_t>(loaded.objects))
      .Int("bytes", static_cast<int64_t>(loaded.bytes));
  return std::unique_ptr<ReadCacheBackend>(std::move(cache));
}

}  // namespace nasd::chunk
