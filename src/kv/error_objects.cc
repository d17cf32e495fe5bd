#include "kv/error_objects.h"

#include <utility>

namespace nasd::kv {
namespace {

class ErrorIterator final : public Iterator {
 public:
  explicit ErrorIterator(Status status) : status_(std::move(status)) {}
  bool Valid() const override { return false; }
  void Next() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  Status status() const override { return status_; }

 private:
  const Status status_;
};

class ErrorTransaction final : public Transaction {
 public:
  explicit ErrorTransaction(Status status) : status_(std::move(status)) {}
  Result<std::optional<std::string>> Get(std::string_view) override { return status_; }
  Result<std::optional<std::string>> GetUntracked(std::string_view) override { return status_; }
  Result<std::vector<KeyValue>> Scan(const Range&, size_t) override { return status_; }
  void Put(std::string_view, std::string_view) override {}
  void Delete(std::string_view) override {}
  Status Commit() override { return status_; }

 private:
  const Status status_;
};

}  // namespace

std::unique_ptr<Iterator> NewErrorIterator(Status status) {
  return std::make_unique<ErrorIterator>(std::move(status));
}

std::unique_ptr<Transaction> NewErrorTransaction(Status status) {
  return std::make_unique<ErrorTransaction>(std::move(status));
}

}  // namespace nasd::kv
