#include "kv/rocksdb/rocksdb_engine.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>
#include <vector>

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/write_batch.h>

#include "kv/error_objects.h"
#include "kv/rocksdb/db_state.h"
#include "kv/rocksdb/rocksdb_transaction.h"
#include "kv/rocksdb/status_mapping.h"
#include "kv/rocksdb/wal_prefill_fs.h"

namespace nasd::kv {
namespace {

// The reserved probe key of CheckWritable() (keys from 0xFF up belong to engines).
constexpr std::string_view kProbeKey = "\xff" "nasd.kv.probe";
constexpr size_t kBlockCacheBytes = 64 << 20;
constexpr size_t kRowCacheBytes = 32 << 20;
constexpr uint64_t kBackgroundBytesPerSync = 1 << 20;
constexpr int kMaxOpenFiles = 1024;

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
Status ClosedStatus() { return Unavailable("kv engine is closed"); }

rocksdb::Options MakeOptions() {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_open_files = kMaxOpenFiles;
  options.keep_log_file_num = 4;
  options.IncreaseParallelism(static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(kBlockCacheBytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // A bloom filter over the memtable's keys: most point reads of a create
  // or an upload look for names and records that do not exist yet, and each
  // was a skiplist search with key comparisons. About 4% more durable 4 KiB
  // PUTs over WebDAV (32 clients, 2 cores), 4% less server CPU per PUT.
  options.memtable_whole_key_filtering = true;
  options.memtable_prefix_bloom_size_ratio = 0.02;
  // On a small machine concurrent writers' batches go into the memtable by
  // the write group's leader alone: letting each follower insert its own
  // wakes it twice per commit (to insert, then to finish), which costs more
  // than it saves there: about 10% fewer thread switches per durable 4 KiB
  // PUT over WebDAV with 32 clients on 2 cores, at the same throughput.
  // (Measured on 2 cores only; larger machines keep RocksDB's default.)
  options.allow_concurrent_memtable_write = std::thread::hardware_concurrency() > 4;
  // Point reads of records that live in table files (a share's record, the
  // inodes of the folders on a path, names) are answered from a cache of
  // rows instead of an index and a data block search per file: every
  // operation reads the same few folders. About 7% more durable 4 KiB PUTs
  // over WebDAV (32 clients, 2 cores, A/B 3 pairs), 8% less CPU a PUT. A cache
  // of its own: sharing the block cache's was slower (its shard locks).
  options.row_cache = rocksdb::NewLRUCache(kRowCacheBytes);
  // Memtable flushes and compactions share the disk with the commits' WAL
  // syncs. A 64 MiB table file written whole and synced at its end (every
  // 3 s under a stream of small files) queued the syncs behind it: durable
  // 4 KiB PUTs over WebDAV (32 clients) had a p99 of 77-140 ms. Synced as
  // they are written, 1 MiB at a time: 40-46 ms, throughput unchanged. (A
  // rate limit on background writes took little more off the p99, and its
  // auto-tuned form, which starts low after an idle spell and rises 5% per
  // 10 s, held PUTs at 2 960 req/s in bench/http.sh.)
  options.bytes_per_sync = kBackgroundBytesPerSync;
  return options;
}

class RocksDbEngine final : public KvEngine {
 public:
  RocksDbEngine(std::unique_ptr<rocksdb::Env> env, std::unique_ptr<DbState> state)
      : env_(std::move(env)), state_(std::move(state)) {}

  Result<std::optional<std::string>> Get(std::string_view key) override {
    DbState::Access access = state_->Acquire();
    if (access.db() == nullptr) return ClosedStatus();
    std::string value;
    rocksdb::Status st = access.db()->Get(rocksdb::ReadOptions(), ToSlice(key), &value);
    if (st.IsNotFound()) return std::optional<std::string>();
    if (!st.ok()) return FromRocksDb(st, "metadata get");
    return std::optional<std::string>(std::move(value));
  }

  std::unique_ptr<Iterator> NewIterator(const Range& range) override {
    DbState::Access access = state_->Acquire();
    if (access.db() == nullptr) return NewErrorIterator(ClosedStatus());
    return std::make_unique<RocksDbIterator>(state_.get(), access.db(), range);
  }

  std::unique_ptr<Transaction> Begin(WriteOptions options) override {
    DbState::Access access = state_->Acquire();
    if (access.db() == nullptr) return NewErrorTransaction(ClosedStatus());
    return std::make_unique<RocksDbTransaction>(state_.get(), access.db(), options);
  }

  Status Write(const WriteBatch& batch, WriteOptions options) override {
    const auto start = std::chrono::steady_clock::now();
    DbState::Access access = state_->Acquire();
    if (access.db() == nullptr) return ClosedStatus();
    rocksdb::WriteBatch rocks_batch;
    std::vector<size_t> stripes;
    stripes.reserve(batch.ops().size());
    for (const WriteBatch::Op& op : batch.ops()) {
      stripes.push_back(KeyStripes::StripeOf(op.key));
      rocksdb::Status st = op.is_delete ? rocks_batch.Delete(ToSlice(op.key))
                                        : rocks_batch.Put(ToSlice(op.key), ToSlice(op.value));
      if (!st.ok()) return state_->Record(start, FromRocksDb(st, "metadata batch"));
    }
    Status st;
    uint64_t written_through = 0;
    {
      // Unsynced under the stripes, synced after (early lock release, db_state.h).
      auto locks = state_->stripes().Lock({}, std::move(stripes));
      st = FromRocksDb(access.db()->Write(rocksdb::WriteOptions(), &rocks_batch), "metadata write");
      written_through = access.db()->GetLatestSequenceNumber();
      locks.Wrote(written_through);
    }
    if (st.ok() && options.durable) st = state_->SyncWalThrough(written_through);
    return state_->Record(start, st);
  }

  Status CheckWritable() override {
    DbState::Access access = state_->Acquire();
    if (access.db() == nullptr) return ClosedStatus();
    rocksdb::WriteOptions write_options;
    write_options.sync = true;
    NASD_RETURN_IF_ERROR(
        FromRocksDb(access.db()->Put(write_options, ToSlice(kProbeKey), rocksdb::Slice()),
                    "metadata write probe"));
    return FromRocksDb(access.db()->Delete(write_options, ToSlice(kProbeKey)),
                       "metadata write probe");
  }

  Status Close() override { return state_->Close(); }

  EngineStats Stats() const override { return state_->Stats(); }

  // The last sequence number RocksDB published: it moves past a write only
  // once the write is in the memtable, i.e. readable.
  std::optional<uint64_t> ChangeStamp() const override {
    DbState::Access access = state_->Acquire();
    if (access.db() == nullptr) return std::nullopt;
    return access.db()->GetLatestSequenceNumber();
  }

 private:
  const std::unique_ptr<rocksdb::Env> env_;  // the DB's; outlives it
  const std::unique_ptr<DbState> state_;
};

// RocksDB reports a held lock as an IOError naming the DB's LOCK file
// ("While lock file: PATH/LOCK: ..." or "lock hold by current process ...").
bool IsLockHeld(const rocksdb::Status& st) {
  return st.IsIOError() && st.ToString().find("/LOCK:") != std::string::npos;
}

}  // namespace

Result<std::unique_ptr<KvEngine>> OpenRocksDb(const std::string& path, CommitObserver observer) {
  return OpenRocksDbWithEnv(path, nullptr, std::move(observer));
}

Result<std::unique_ptr<KvEngine>> OpenRocksDbWithEnv(const std::string& path, rocksdb::Env* env,
                                                     CommitObserver observer) {
  rocksdb::Options options = MakeOptions();
  // Every WAL is zero-filled ahead of its writer (wal_prefill_fs.h).
  std::unique_ptr<rocksdb::Env> wal_env = rocksdb::NewCompositeEnv(
      std::make_shared<WalPrefillFs>(env != nullptr ? env->GetFileSystem() : rocksdb::FileSystem::Default()));
  options.env = wal_env.get();
  // A plain DB: transactions validate their read sets themselves
  // (rocksdb_transaction.h), so that concurrent commits share WAL syncs.
  rocksdb::DB* db = nullptr;
  rocksdb::Status st = rocksdb::DB::Open(options, path, &db);
  if (IsLockHeld(st)) {
    return Unavailable("metadata store at " + path + " is in use by another nasd process (" +
                       st.ToString() + ")");
  }
  if (!st.ok()) return FromRocksDb(st, "open metadata store at " + path);
  return std::unique_ptr<KvEngine>(
      std::make_unique<RocksDbEngine>(std::move(wal_env), std::make_unique<DbState>(db, std::move(observer))));
}

}  // namespace nasd::kv
