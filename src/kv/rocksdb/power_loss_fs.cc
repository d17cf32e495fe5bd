#include "kv/rocksdb/power_loss_fs.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace nasd::kv {
namespace {

namespace stdfs = std::filesystem;

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

class File : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  File(std::unique_ptr<rocksdb::FSWritableFile> base, PowerLossFs& fs, std::string name)
      : FSWritableFileOwnerWrapper(std::move(base)), fs_(fs), name_(std::move(name)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* dbg) override {
    return Track(target()->Append(data, o, dbg), o, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    return Track(target()->Append(data, o, info, dbg), o, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    return Track(target()->PositionedAppend(data, offset, o, dbg), o, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& o,
                                     const rocksdb::DataVerificationInfo& info,
                                     rocksdb::IODebugContext* dbg) override {
    return Track(target()->PositionedAppend(data, offset, o, info, dbg), o, dbg);
  }
  rocksdb::IOStatus Truncate(uint64_t size, const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    return Track(target()->Truncate(size, o, dbg), o, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus st = target()->Sync(o, dbg);
    if (st.ok()) fs_.Synced(name_);
    return st;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus st = target()->Fsync(o, dbg);
    if (st.ok()) fs_.Synced(name_);
    return st;
  }
  // RangeSync is not a durability point: the data may still be lost. (The
  // wrapper forwards it; it only starts write-back.)

 private:
  rocksdb::IOStatus Track(rocksdb::IOStatus st, const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) {
    if (st.ok()) fs_.Wrote(name_, target()->GetFileSize(o, dbg));
    return st;
  }

  PowerLossFs& fs_;
  const std::string name_;
};

class Dir : public rocksdb::FSDirectoryWrapper {
 public:
  Dir(std::unique_ptr<rocksdb::FSDirectory> base, PowerLossFs& fs, std::string name)
      : FSDirectoryWrapper(std::move(base)), fs_(fs), name_(std::move(name)) {}
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus st = FSDirectoryWrapper::Fsync(o, dbg);
    if (st.ok()) fs_.DirSynced(name_);
    return st;
  }
  rocksdb::IOStatus FsyncWithDirOptions(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg,
                                        const rocksdb::DirFsyncOptions& d) override {
    rocksdb::IOStatus st = FSDirectoryWrapper::FsyncWithDirOptions(o, dbg, d);
    if (st.ok()) fs_.DirSynced(name_);
    return st;
  }

 private:
  PowerLossFs& fs_;
  const std::string name_;
};

std::optional<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Status WriteWhole(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  return out ? Status::Ok() : IoError("cannot write " + path);
}

}  // namespace

PowerLossFs::PowerLossFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {
  env_ = rocksdb::NewCompositeEnv(std::shared_ptr<rocksdb::FileSystem>(this, [](rocksdb::FileSystem*) {}));
}

void PowerLossFs::Tick() {
  if (countdown_ > 0 && --countdown_ == 0) picture_ = files_;
}

void PowerLossFs::CutPower() {
  std::lock_guard lock(mu_);
  countdown_ = 0;
  if (!picture_) picture_ = files_;
}

void PowerLossFs::CutPowerAfter(uint64_t n) {
  std::lock_guard lock(mu_);
  countdown_ = n;
}

bool PowerLossFs::cut() const {
  std::lock_guard lock(mu_);
  return picture_.has_value();
}

void PowerLossFs::KeepAside(const std::string& path) {
  if (!picture_ || born_after_cut_.contains(path) || kept_.contains(path)) return;
  std::optional<std::string> bytes = ReadWhole(path);
  if (bytes) kept_[path] = std::move(*bytes);
}

void PowerLossFs::Wrote(const std::string& f, uint64_t size) {
  std::lock_guard lock(mu_);
  KeepAside(f);
  Tick();
  files_[f].size = size;
}

void PowerLossFs::Synced(const std::string& f) {
  std::lock_guard lock(mu_);
  FileState& s = files_[f];
  s.synced = s.size;
  Tick();  // a cut here keeps this sync
}

void PowerLossFs::DirSynced(const std::string& dir) {
  std::lock_guard lock(mu_);
  for (auto& [name, s] : files_) {
    if (DirOf(name) != dir) continue;
    s.name_durable = true;
    s.renamed = false;
    s.previous.reset();
  }
  Tick();  // a cut here keeps this fsync
}

rocksdb::IOStatus PowerLossFs::NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                               std::unique_ptr<rocksdb::FSWritableFile>* r,
                                               rocksdb::IODebugContext* dbg) {
  {
    std::lock_guard lock(mu_);
    KeepAside(f);  // creating truncates
    Tick();
  }
  std::unique_ptr<rocksdb::FSWritableFile> base;
  rocksdb::IOStatus st = target()->NewWritableFile(f, o, &base, dbg);
  if (!st.ok()) return st;
  {
    std::lock_guard lock(mu_);
    files_[f] = FileState{};  // a new (or truncated) file: nothing durable yet
    if (picture_) born_after_cut_.insert(f);
  }
  *r = std::make_unique<File>(std::move(base), *this, f);
  return st;
}

rocksdb::IOStatus PowerLossFs::ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                                  std::unique_ptr<rocksdb::FSWritableFile>* r,
                                                  rocksdb::IODebugContext* dbg) {
  std::unique_ptr<rocksdb::FSWritableFile> base;
  rocksdb::IOStatus st = target()->ReopenWritableFile(f, o, &base, dbg);
  if (!st.ok()) return st;
  {
    std::lock_guard lock(mu_);
    if (!files_.contains(f)) {  // written before we knew it: all of it is durable
      std::error_code ec;
      const uint64_t size = stdfs::file_size(f, ec);
      files_[f] = FileState{size, size, true, false, std::nullopt};
    }
  }
  *r = std::make_unique<File>(std::move(base), *this, f);
  return st;
}

rocksdb::IOStatus PowerLossFs::NewDirectory(const std::string& name, const rocksdb::IOOptions& o,
                                            std::unique_ptr<rocksdb::FSDirectory>* r,
                                            rocksdb::IODebugContext* dbg) {
  std::unique_ptr<rocksdb::FSDirectory> base;
  rocksdb::IOStatus st = target()->NewDirectory(name, o, &base, dbg);
  if (!st.ok()) return st;
  std::string dir = name;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  *r = std::make_unique<Dir>(std::move(base), *this, dir);
  return st;
}

rocksdb::IOStatus PowerLossFs::RenameFile(const std::string& from, const std::string& to,
                                          const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) {
  std::optional<std::string> previous = ReadWhole(to);
  {
    std::lock_guard lock(mu_);
    KeepAside(from);
    KeepAside(to);
    Tick();
  }
  rocksdb::IOStatus st = target()->RenameFile(from, to, o, dbg);
  if (!st.ok()) return st;
  std::lock_guard lock(mu_);
  FileState moved;
  if (auto it = files_.find(from); it != files_.end()) {
    moved = it->second;
    files_.erase(it);
  } else {
    std::error_code ec;
    moved.size = moved.synced = stdfs::file_size(to, ec);
  }
  // What the target held before comes back after a power loss, until the
  // directory is synced.
  auto old = files_.find(to);
  const bool had_durable_target = previous.has_value() && (old == files_.end() || old->second.name_durable);
  moved.name_durable = false;
  moved.renamed = true;
  moved.previous = had_durable_target ? previous : std::nullopt;
  files_[to] = std::move(moved);
  if (picture_) born_after_cut_.insert(to);
  return st;
}

rocksdb::IOStatus PowerLossFs::DeleteFile(const std::string& f, const rocksdb::IOOptions& o,
                                          rocksdb::IODebugContext* dbg) {
  {
    std::lock_guard lock(mu_);
    KeepAside(f);
    Tick();
  }
  rocksdb::IOStatus st = target()->DeleteFile(f, o, dbg);
  if (st.ok()) {
    std::lock_guard lock(mu_);
    files_.erase(f);
  }
  return st;
}

Status PowerLossFs::DropUnsynced() {
  std::lock_guard lock(mu_);
  std::error_code ec;
  if (picture_) {
    // Undo what happened after the cut: new names go, changed files come back.
    for (const std::string& path : born_after_cut_) stdfs::remove(path, ec);
    for (const auto& [path, bytes] : kept_) NASD_RETURN_IF_ERROR(WriteWhole(path, bytes));
    files_ = std::move(*picture_);
  }
  for (const auto& [name, s] : files_) {
    if (s.renamed) {
      if (s.previous) {
        NASD_RETURN_IF_ERROR(WriteWhole(name, *s.previous));
      } else {
        stdfs::remove(name, ec);
      }
      continue;
    }
    if (!s.name_durable) {
      stdfs::remove(name, ec);
      continue;
    }
    if (stdfs::exists(name, ec) && stdfs::file_size(name, ec) > s.synced) {
      stdfs::resize_file(name, s.synced, ec);
      if (ec) return IoError("cannot truncate " + name + ": " + ec.message());
    }
  }
  files_.clear();
  picture_.reset();
  kept_.clear();
  born_after_cut_.clear();
  countdown_ = 0;
  return Status::Ok();
}

}  // namespace nasd::kv
