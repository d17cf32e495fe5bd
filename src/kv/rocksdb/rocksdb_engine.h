// The RocksDB KvEngine: nasd's default metadata store, one rocksdb::DB in a
// directory of its own, with nasd's optimistic transactions on top
// (rocksdb_transaction.h).
//
// Contract as in kv_engine.h. Specifics:
// - Keys starting with byte 0xFF are reserved for the engine (CheckWritable()
//   writes and deletes one); nasd's key schema never uses them.
// - Durable commits sync the WAL (WriteOptions::sync); concurrent commits on
//   disjoint keys are group-committed by RocksDB's write thread. WAL files
//   are zero-filled ahead of the writer, so a sync writes data, not a new
//   file size (wal_prefill_fs.h).
// - Close() syncs the WAL, flushes memtables and closes the DB; transactions
//   and iterators still open are invalidated and report kUnavailable. The
//   destructor closes too.
// - Only one process may open a path: RocksDB holds a lock file.
#pragma once

#include <memory>
#include <string>

#include "kv/kv_engine.h"

namespace rocksdb {
class Env;
}

namespace nasd::kv {

// Opens (creating if missing) the database in directory path.
// Fails with kUnavailable "metadata store at PATH is in use by another nasd
// process" when another process (or another engine in this process) has it
// open, and with kIoError/kCorruption/... (RocksDB's message appended) for
// other failures. observer, if set, is called after every Commit()/Write().
Result<std::unique_ptr<KvEngine>> OpenRocksDb(const std::string& path, CommitObserver observer = {});
// As OpenRocksDb, with every file access through env (borrowed; must outlive
// the engine). Power-loss tests pass PowerLossFs::env() (power_loss_fs.h).
Result<std::unique_ptr<KvEngine>> OpenRocksDbWithEnv(const std::string& path, rocksdb::Env* env,
                                                     CommitObserver observer = {});

}  // namespace nasd::kv
