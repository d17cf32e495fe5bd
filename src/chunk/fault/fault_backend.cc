#include "chunk/fault/fault_backend.h"

#include <span>
#include <string>
#include <thread>

namespace nasd::chunk {
namespace {

bool Applies(FaultKind kind, FaultOp op, bool data_faults) {
  if (kind == FaultKind::kCorrupt || kind == FaultKind::kTear) {
    return data_faults && (op == FaultOp::kPut || op == FaultOp::kRead);
  }
  return true;
}

void FlipByte(std::string& bytes, size_t at) {
  if (!bytes.empty()) bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
}

}  // namespace

FaultBackend::FaultBackend(std::unique_ptr<Backend> base)
    : owned_(std::move(base)), base_(*owned_) {}

FaultBackend::FaultBackend(Backend& base) : base_(base) {}

void FaultBackend::Inject(FaultOp op, FaultKind kind, int times, std::chrono::milliseconds delay) {
  if (times == 0) return;
  std::lock_guard lock(mu_);
  rules_.push_back(Rule{op, kind, times < 0 ? kForever : times, delay});
}

void FaultBackend::Clear() {
  std::lock_guard lock(mu_);
  rules_.clear();
}

uint64_t FaultBackend::fired() const {
  std::lock_guard lock(mu_);
  return fired_;
}

std::optional<FaultBackend::Rule> FaultBackend::Take(FaultOp op, bool data_faults) {
  std::lock_guard lock(mu_);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if ((it->op != op && it->op != FaultOp::kAny) || !Applies(it->kind, op, data_faults)) continue;
    Rule rule = *it;
    if (it->remaining != kForever && --it->remaining == 0) rules_.erase(it);
    ++fired_;
    return rule;
  }
  return std::nullopt;
}

Status FaultBackend::Before(FaultOp op, std::optional<Rule>* pending, bool data_faults) {
  *pending = Take(op, data_faults);
  if (!pending->has_value()) return Status::Ok();
  switch ((*pending)->kind) {
    case FaultKind::kFail:
      return IoError("injected fault");
    case FaultKind::kDelay:
      std::this_thread::sleep_for((*pending)->delay);
      pending->reset();
      return Status::Ok();
    case FaultKind::kCorrupt:
    case FaultKind::kTear:
      return Status::Ok();
  }
  return Status::Ok();
}

std::string_view FaultBackend::Damage(const std::optional<Rule>& rule, std::string_view data,
                                      std::string* scratch) {
  if (!rule) return data;
  if (rule->kind == FaultKind::kTear) return data.substr(0, data.size() / 2);
  *scratch = data;
  FlipByte(*scratch, scratch->empty() ? 0 : scratch->size() - 1);
  return *scratch;
}

Status FaultBackend::PutObject(std::string_view name, std::string_view data) {
  std::optional<Rule> rule;
  NASD_RETURN_IF_ERROR(Before(FaultOp::kPut, &rule));
  std::string scratch;
  return base_.PutObject(name, Damage(rule, data, &scratch));
}

class FaultBackend::Pending final : public PendingObject {
 public:
  Pending(FaultBackend& fault, std::unique_ptr<PendingObject> base)
      : fault_(fault), base_(std::move(base)) {}

  Status Append(std::span<const std::string_view> parts) override {
    if (finished_) return FailedPrecondition("append to a finished staged put");
    NASD_RETURN_IF_ERROR(BeforeWrite());
    for (std::string_view part : parts) buffer_.append(part);
    return Status::Ok();
  }

  Status Sync() override {
    if (finished_) return FailedPrecondition("sync of a finished staged put");
    return BeforeWrite();
  }

  Status Commit(std::string_view name) override {
    if (finished_) return FailedPrecondition("commit of a finished staged put");
    finished_ = true;
    std::optional<Rule> rule;
    Status st = fault_.Before(FaultOp::kPut, &rule);
    std::string scratch;
    if (st.ok()) {
      const std::string_view parts[] = {Damage(rule, buffer_, &scratch)};
      st = base_->Append(parts);
    }
    if (!st.ok()) {
      base_->Abort();
      return st;
    }
    return base_->Commit(name);
  }

  void Abort() override {
    finished_ = true;
    base_->Abort();
  }

 private:
  // Fires a kWrite rule; an injected failure aborts, as a real one does.
  Status BeforeWrite() {
    std::optional<Rule> rule;
    Status st = fault_.Before(FaultOp::kWrite, &rule);
    if (!st.ok()) Abort();
    return st;
  }

  FaultBackend& fault_;
  std::unique_ptr<PendingObject> base_;
  std::string buffer_;
  bool finished_ = false;
};

Result<std::unique_ptr<PendingObject>> FaultBackend::BeginPut() {
  std::optional<Rule> rule;
  NASD_RETURN_IF_ERROR(Before(FaultOp::kWrite, &rule));
  NASD_ASSIGN_OR_RETURN(std::unique_ptr<PendingObject> base, base_.BeginPut());
  return std::unique_ptr<PendingObject>(std::make_unique<Pending>(*this, std::move(base)));
}

Result<std::string> FaultBackend::ReadObject(std::string_view name, uint64_t offset,
                                             uint64_t length) {
  std::optional<Rule> rule;
  NASD_RETURN_IF_ERROR(Before(FaultOp::kRead, &rule));
  Result<std::string> read = base_.ReadObject(name, offset, length);
  if (!rule || !read.ok()) return read;
  std::string bytes = std::move(read).value();
  if (rule->kind == FaultKind::kTear) {
    bytes.resize(bytes.size() / 2);
  } else {
    FlipByte(bytes, bytes.size() / 2);
  }
  return bytes;
}

Result<uint64_t> FaultBackend::ObjectSize(std::string_view name) {
  std::optional<Rule> rule;
  NASD_RETURN_IF_ERROR(Before(FaultOp::kStat, &rule));
  return base_.ObjectSize(name);
}

Status FaultBackend::DeleteObject(std::string_view name) {
  std::optional<Rule> rule;
  NASD_RETURN_IF_ERROR(Before(FaultOp::kDelete, &rule));
  return base_.DeleteObject(name);
}

Status FaultBackend::ListObjects(const std::function<bool(std::string_view name)>& fn) {
  std::optional<Rule> rule;
  NASD_RETURN_IF_ERROR(Before(FaultOp::kList, &rule));
  return base_.ListObjects(fn);
}

BackendUsage FaultBackend::Usage() const { return base_.Usage(); }

Result<LocalFile> FaultBackend::OpenLocal(std::string_view name) {
  // Corrupt and tear cannot act on a descriptor, so only fail and delay fire.
  std::optional<Rule> rule;
  NASD_RETURN_IF_ERROR(Before(FaultOp::kRead, &rule, /*data_faults=*/false));
  return base_.OpenLocal(name);
}

std::string FaultBackend::Describe() const { return "fault:" + base_.Describe(); }

bool FaultBackend::Invalidate(std::string_view name) { return base_.Invalidate(name); }

}  // namespace nasd::chunk
