#include "kv/mem/mem_engine.h"

#include <atomic>
#include <chrono>
#include <utility>

#include "kv/error_objects.h"
#include "kv/mem/mem_store.h"
#include "kv/mem/mem_transaction.h"

namespace nasd::kv {
namespace {

// The reserved probe key of CheckWritable() (keys from 0xFF up belong to engines).
constexpr std::string_view kProbeKey = "\xff" "nasd.kv.probe";

class MemEngine final : public KvEngine {
 public:
  explicit MemEngine(CommitObserver observer) : observer_(std::move(observer)) {}

  Result<std::optional<std::string>> Get(std::string_view key) override {
    return store_.Get(key, MemStore::kLatest);
  }

  std::unique_ptr<Iterator> NewIterator(const Range& range) override {
    Result<MemStore::Seq> snap = store_.AcquireSnapshot();
    if (!snap.ok()) return NewErrorIterator(snap.status());
    return std::make_unique<MemIterator>(&store_, *snap, range);
  }

  std::unique_ptr<Transaction> Begin(WriteOptions options) override {
    Result<MemStore::Seq> snap = store_.AcquireSnapshot();
    if (!snap.ok()) return NewErrorTransaction(snap.status());
    return std::make_unique<MemTransaction>(
        &store_, *snap, options.read_only,
        [this](const std::set<std::string, std::less<>>& read_keys, MemStore::Seq at,
               const std::vector<MemStore::Mutation>& mutations) {
          return Record(std::chrono::steady_clock::now(), store_.Commit(read_keys, at, mutations));
        });
  }

  Status Write(const WriteBatch& batch, WriteOptions /*options*/) override {
    const auto start = std::chrono::steady_clock::now();
    return Record(start, store_.Commit({}, MemStore::kLatest, ToMutations(batch)));
  }

  Status CheckWritable() override {
    WriteBatch put;
    put.Put(kProbeKey, "");
    NASD_RETURN_IF_ERROR(store_.Commit({}, MemStore::kLatest, ToMutations(put)));
    WriteBatch del;
    del.Delete(kProbeKey);
    return store_.Commit({}, MemStore::kLatest, ToMutations(del));
  }

  Status Close() override {
    store_.Close();
    return Status::Ok();
  }

  EngineStats Stats() const override {
    EngineStats stats;
    stats.commits = commits_.load(std::memory_order_relaxed);
    stats.conflicts = conflicts_.load(std::memory_order_relaxed);
    return stats;
  }

  std::optional<uint64_t> ChangeStamp() const override { return store_.LastSeq(); }

 private:
  static std::vector<MemStore::Mutation> ToMutations(const WriteBatch& batch) {
    std::vector<MemStore::Mutation> mutations;
    mutations.reserve(batch.ops().size());
    for (const WriteBatch::Op& op : batch.ops()) {
      mutations.push_back(op.is_delete ? MemStore::Mutation{op.key, std::nullopt}
                                       : MemStore::Mutation{op.key, op.value});
    }
    return mutations;
  }

  // Counts the outcome and tells the observer; returns st unchanged.
  Status Record(std::chrono::steady_clock::time_point start, Status st) {
    if (st.ok()) commits_.fetch_add(1, std::memory_order_relaxed);
    if (st.code() == Code::kConflict) conflicts_.fetch_add(1, std::memory_order_relaxed);
    if (observer_) {
      const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
      observer_(elapsed.count(), st.ok());
    }
    return st;
  }

  const CommitObserver observer_;
  MemStore store_;
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> conflicts_{0};
};

}  // namespace

std::unique_ptr<KvEngine> NewMemEngine(CommitObserver observer) {
  return std::make_unique<MemEngine>(std::move(observer));
}

}  // namespace nasd::kv
