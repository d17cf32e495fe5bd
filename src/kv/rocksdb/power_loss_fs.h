// PowerLossFs: a RocksDB FileSystem wrapper for power-loss tests. It
// remembers, for every file written through it, how many bytes were synced
// (Sync/Fsync) and whether its name was made durable (an fsync of its
// directory after it was created or renamed into place).
//
// CutPower() takes a picture of that durable state, as the disk would hold
// it if the power went at that instant. The DB keeps running normally (so
// no error path of the DB is exercised; the test knows which operations
// completed before the cut). After the DB is closed, DropUnsynced() turns
// the files back into the picture: each is cut back to its synced length,
// files whose creation never reached a directory fsync are deleted, a
// rename not followed by a directory fsync is undone (the target gets its
// old bytes back, or disappears), and whatever was created, rewritten,
// renamed or deleted after the cut is undone (files the cut found are kept
// aside before they change).
//
// Not modelled: deletes before the cut (taken as durable at once),
// RangeSync (not counted as a sync), random-write files. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include "common/status.h"
#include "common/thread_annotations.h"

namespace nasd::kv {

class PowerLossFs : public rocksdb::FileSystemWrapper {
 public:
  PowerLossFs();
  const char* Name() const override { return "PowerLossFs"; }

  // The power goes now: what is durable now is what DropUnsynced keeps.
  void CutPower();
  // Cuts power at the n-th write, sync, create, rename, delete or directory
  // fsync from now: a point inside whatever the DB is doing.
  void CutPowerAfter(uint64_t n);
  // Whether the power was cut.
  bool cut() const;
  // After the DB is closed: turns the files into what the cut left (see
  // above), then forgets every file and disarms the cut.
  Status DropUnsynced();
  // An Env over this file system (for rocksdb::Options::env).
  rocksdb::Env* env() { return env_.get(); }

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& o,
                                 std::unique_ptr<rocksdb::FSDirectory>* r,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& from, const std::string& to,
                               const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& f, const rocksdb::IOOptions& o,
                               rocksdb::IODebugContext* dbg) override;

  // Called by the wrapped files and directories after each change.
  void Wrote(const std::string& f, uint64_t size);
  void Synced(const std::string& f);
  void DirSynced(const std::string& dir);

 private:
  struct FileState {
    uint64_t size = 0;
    uint64_t synced = 0;
    bool name_durable = false;
    // A rename onto this name not yet made durable: what the name held before.
    bool renamed = false;
    std::optional<std::string> previous;
  };
  // Counts one change towards an armed cut.
  void Tick() REQUIRES(mu_);
  // Before a change of path after the cut: keeps a copy of the file as the
  // cut found it, once.
  void KeepAside(const std::string& path) REQUIRES(mu_);

  mutable std::mutex mu_;
  uint64_t countdown_ GUARDED_BY(mu_) = 0;  // 0: no cut armed
  std::map<std::string, FileState> files_ GUARDED_BY(mu_);
  // Set at the cut: the durable state then, and copies of the files it
  // holds that changed since (path -> copy).
  std::optional<std::map<std::string, FileState>> picture_ GUARDED_BY(mu_);
  std::map<std::string, std::string> kept_ GUARDED_BY(mu_);
  std::set<std::string> born_after_cut_ GUARDED_BY(mu_);  // created or renamed into place
  std::unique_ptr<rocksdb::Env> env_;
};

}  // namespace nasd::kv
