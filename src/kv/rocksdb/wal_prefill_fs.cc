#include "kv/rocksdb/wal_prefill_fs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <string_view>
#include <vector>

#include "common/logging.h"

namespace nasd::kv {
namespace {

bool IsWal(std::string_view fname) { return fname.ends_with(".log"); }

// A WAL file whose zeros run ahead of RocksDB's appends. RocksDB appends to a
// WAL from one thread at a time (the write group's leader), so the fill
// needs no lock of its own.
class PrefilledFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  PrefilledFile(std::unique_ptr<rocksdb::FSWritableFile> base, std::string fname, int fd, uint64_t step)
      : FSWritableFileOwnerWrapper(std::move(base)), fname_(std::move(fname)), fd_(fd), step_(step) {}
  ~PrefilledFile() override { CloseFill(); }

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    FillAhead(data.size(), options, dbg);
    return target()->Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
    FillAhead(data.size(), options, dbg);
    return target()->Append(data, options, info, dbg);
  }
  rocksdb::IOStatus Close(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    const uint64_t size = target()->GetFileSize(options, dbg);
    rocksdb::IOStatus st = target()->Close(options, dbg);
    // The zeros past what RocksDB wrote are of no use any more.
    if (fd_ >= 0 && filled_ > size && ::ftruncate(fd_, static_cast<off_t>(size)) != 0 && st.ok()) {
      st = rocksdb::IOStatus::IOError("truncate " + fname_ + ": " + std::strerror(errno));
    }
    CloseFill();
    return st;
  }

 private:
  // Makes sure [size, size + n) lies at least one step inside the filled
  // part, writing and syncing the zeros that are missing.
  void FillAhead(uint64_t n, const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
    if (fd_ < 0) return;
    const uint64_t end = target()->GetFileSize(options, dbg) + n;
    if (end + step_ <= filled_) return;
    static const std::vector<char> zeros(kZeroBlock, '\0');
    uint64_t target_end = std::max(filled_, end) + step_;
    target_end = (target_end + kZeroBlock - 1) / kZeroBlock * kZeroBlock;
    uint64_t at = std::max(filled_, end);
    while (at < target_end) {
      const size_t len = static_cast<size_t>(std::min<uint64_t>(kZeroBlock, target_end - at));
      const ssize_t w = ::pwrite(fd_, zeros.data(), len, static_cast<off_t>(at));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return GiveUp("write zeros");
      at += static_cast<uint64_t>(w);
    }
    if (::fdatasync(fd_) != 0) return GiveUp("sync zeros");
    filled_ = target_end;
  }

  // The log goes on by appends, as without the fill.
  void GiveUp(const char* what) {
    log::Warn("kv.wal_prefill_off").Str("file", fname_).Str("step", what).Str("error", std::strerror(errno));
    CloseFill();
  }

  void CloseFill() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  static constexpr size_t kZeroBlock = 256 << 10;
  const std::string fname_;
  int fd_;
  const uint64_t step_;
  uint64_t filled_ = 0;  // bytes [0, filled_) are written: RocksDB's, then zeros
};

}  // namespace

WalPrefillFs::WalPrefillFs(const std::shared_ptr<rocksdb::FileSystem>& base, uint64_t step)
    : FileSystemWrapper(base), step_(step) {}

rocksdb::IOStatus WalPrefillFs::NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                                std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus st = target()->NewWritableFile(fname, options, result, dbg);
  if (!st.ok() || !IsWal(fname) || options.use_direct_writes) return st;
  const int fd = ::open(fname.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    log::Warn("kv.wal_prefill_off").Str("file", fname).Str("step", "open").Str("error", std::strerror(errno));
    return st;
  }
  *result = std::make_unique<PrefilledFile>(std::move(*result), fname, fd, step_);
  return st;
}

}  // namespace nasd::kv
