// FaultBackend: a Backend wrapper that injects failures, for tests.
//
// Inject() arms a rule: the next `times` calls of an operation (or of any
// operation) misbehave in one way. Each call fires at most one rule (the
// oldest armed rule that applies). Faults:
//   kFail    -> the call returns kIoError "injected fault" and does nothing
//   kDelay   -> the call sleeps `delay`, then proceeds normally
//   kCorrupt -> put: one byte near the end of the object (in the chunk data
//               when there is any) is flipped before storing, and ok is
//               returned; read: one byte in the middle of the returned bytes
//               is flipped
//   kTear    -> put: only the first half of the object is stored and ok is
//               returned, as a buggy or crashing backend would; read: only
//               the first half of the bytes is returned
// kCorrupt and kTear apply only to kPut and kRead; a rule with them never
// fires on other operations.
//
// Staged puts (BeginPut) are faulted like PutObject: BeginPut, Append and
// Sync are kWrite, Commit is kPut, so a put that is aborted (a deduplicated
// chunk) never fires a kPut rule. The wrapper buffers the appended bytes and
// writes them to the base's staged put at Commit, so that tear and corrupt
// can damage them. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "chunk/backend.h"
#include "common/thread_annotations.h"

namespace nasd::chunk {

enum class FaultOp {
  kPut,     // PutObject, PendingObject::Commit
  kWrite,   // BeginPut, PendingObject::Append and Sync
  kRead,    // ReadObject, OpenLocal
  kStat,    // ObjectSize
  kDelete,  // DeleteObject
  kList,    // ListObjects
  kAny,
};

enum class FaultKind { kFail, kDelay, kCorrupt, kTear };

class FaultBackend final : public Backend {
 public:
  static constexpr int kForever = -1;

  // Owns base.
  explicit FaultBackend(std::unique_ptr<Backend> base);
  // Borrows base, which must outlive this wrapper.
  explicit FaultBackend(Backend& base);

  // Arms a fault for the next `times` matching calls (kForever: until Clear).
  void Inject(FaultOp op, FaultKind kind, int times = 1,
              std::chrono::milliseconds delay = std::chrono::milliseconds{0});
  // Disarms every rule.
  void Clear();
  // Faults fired so far (every kind, including delays).
  uint64_t fired() const;

  Status PutObject(std::string_view name, std::string_view data) override;
  Result<std::unique_ptr<PendingObject>> BeginPut() override;
  Result<std::string> ReadObject(std::string_view name, uint64_t offset, uint64_t length) override;
  Result<uint64_t> ObjectSize(std::string_view name) override;
  Status DeleteObject(std::string_view name) override;
  Status ListObjects(const std::function<bool(std::string_view name)>& fn) override;
  BackendUsage Usage() const override;
  Result<LocalFile> OpenLocal(std::string_view name) override;
  std::string Describe() const override;
  bool Invalidate(std::string_view name) override;  // the base's, never faulted

 private:
  class Pending;

  struct Rule {
    FaultOp op;
    FaultKind kind;
    int remaining;
    std::chrono::milliseconds delay;
  };
  // Consumes and returns the rule that fires for op, if any; corrupt and
  // tear rules are considered only when data_faults.
  std::optional<Rule> Take(FaultOp op, bool data_faults);
  // Fires the rule for op: applies kFail (returned) and kDelay; leaves a
  // corrupt or tear rule in *pending for the caller to apply.
  Status Before(FaultOp op, std::optional<Rule>* pending, bool data_faults = true);
  // The bytes a put stores under rule: data itself, or a torn or corrupted
  // copy of it in *scratch.
  static std::string_view Damage(const std::optional<Rule>& rule, std::string_view data,
                                 std::string* scratch);

  std::unique_ptr<Backend> owned_;
  Backend& base_;
  mutable std::mutex mu_;
  std::vector<Rule> rules_ GUARDED_BY(mu_);
  uint64_t fired_ GUARDED_BY(mu_) = 0;
};

}  // namespace nasd::chunk
