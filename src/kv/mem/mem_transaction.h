// Transaction and Iterator of the in-memory engine (mem_engine.h).
// Both pin a MemStore snapshot for their lifetime and must not outlive the
// store. Single-threaded use, as kv_engine.h requires.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "kv/kv_engine.h"
#include "kv/mem/mem_store.h"

namespace nasd::kv {

class MemIterator final : public Iterator {
 public:
  MemIterator(MemStore* store, MemStore::Seq snap, const Range& range);
  ~MemIterator() override;

  // Like the RocksDB iterator, invalid (kUnavailable) as soon as the store closes.
  bool Valid() const override { return current_.has_value() && !store_->closed(); }
  void Next() override;
  std::string_view key() const override { return current_->key; }
  std::string_view value() const override { return current_->value; }
  Status status() const override;

 private:
  void SeekFrom(std::string_view from, bool inclusive);

  MemStore* const store_;
  const MemStore::Seq snap_;
  const std::string end_;
  std::optional<KeyValue> current_;
  Status status_;
};

class MemTransaction final : public Transaction {
 public:
  // commit_hook runs the store commit and does the engine's bookkeeping.
  using CommitHook = std::function<Status(const std::set<std::string, std::less<>>& read_keys,
                                          MemStore::Seq snap,
                                          const std::vector<MemStore::Mutation>& mutations)>;
  MemTransaction(MemStore* store, MemStore::Seq snap, bool read_only, CommitHook commit_hook);
  ~MemTransaction() override;

  Result<std::optional<std::string>> Get(std::string_view key) override;
  Result<std::optional<std::string>> GetUntracked(std::string_view key) override;
  Result<std::vector<KeyValue>> Scan(const Range& range, size_t limit) override;
  void Put(std::string_view key, std::string_view value) override;
  void Delete(std::string_view key) override;
  Status Commit() override;

 private:
  void Finish();

  MemStore* const store_;
  const MemStore::Seq snap_;
  const bool read_only_;
  const CommitHook commit_hook_;
  bool finished_ = false;
  bool wrote_when_read_only_ = false;
  std::set<std::string, std::less<>> read_keys_;
  // Pending writes; nullopt is a delete.
  std::map<std::string, std::optional<std::string>, std::less<>> writes_;
};

}  // namespace nasd::kv
