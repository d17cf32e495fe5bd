// WalPrefillFs: RocksDB's write-ahead log files are filled with zeros ahead
// of the writer, so that a durable commit overwrites blocks that are already
// allocated and written, within the file's size: its fdatasync then writes
// the data alone. An append past the end makes every fdatasync write the
// inode's new size as well; on this machine a 4.5 KB append + fdatasync took
// 205-225 us and the same overwrite 92-115 us (fallocate's unwritten extents
// were in between, 140-166 us, as each first write converts one). PostgreSQL
// zero-fills its WAL segments for the same reason.
//
// How: every file whose name ends in ".log" (RocksDB's WAL files; its info
// log is "LOG") is wrapped. Before an append would come within one step of
// the filled end, the next step of zeros is written past it through a second
// descriptor and synced (once per step, 1 MiB by default). RocksDB's own view
// of the file (its size, the position of the next append) is untouched, and
// closing the file cuts it back to what RocksDB wrote. After a crash the
// log's tail is zeros; RocksDB's log reader skips zero-filled blocks (they
// are what its old mmap writer left), so recovery reads the same records.
//
// A file system where the fill fails (no space) keeps working: the error is
// logged once per file and the log goes on growing by appends.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <rocksdb/file_system.h>

namespace nasd::kv {

class WalPrefillFs : public rocksdb::FileSystemWrapper {
 public:
  static constexpr uint64_t kDefaultStep = 1 << 20;

  explicit WalPrefillFs(const std::shared_ptr<rocksdb::FileSystem>& base, uint64_t step = kDefaultStep);
  const char* Name() const override { return "WalPrefillFs"; }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;

 private:
  const uint64_t step_;
};

}  // namespace nasd::kv
