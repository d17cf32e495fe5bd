#include "chunk/mem/mem_backend.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <span>
#include <vector>

#include "chunk/object_name.h"
#include "common/thread_annotations.h"

namespace nasd::chunk {
namespace {

class MemBackend final : public Backend {
 public:
  Status PutObject(std::string_view name, std::string_view data) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    Insert(name, std::string(data));  // copied outside the lock
    return Status::Ok();
  }

  Result<std::unique_ptr<PendingObject>> BeginPut() override;

  // REQUIRES: name is valid.
  void Insert(std::string_view name, std::string data) {
    std::lock_guard lock(mu_);
    auto [it, inserted] = objects_.try_emplace(std::string(name));
    if (!inserted) {
      usage_.bytes -= it->second.size();
      --usage_.objects;
    }
    it->second = std::move(data);
    usage_.bytes += it->second.size();
    ++usage_.objects;
  }

  Result<std::string> ReadObject(std::string_view name, uint64_t offset, uint64_t length) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    std::lock_guard lock(mu_);
    auto it = objects_.find(name);
    if (it == objects_.end()) return NotFound("object '" + std::string(name) + "' not found");
    const std::string& data = it->second;
    if (offset >= data.size()) return std::string();
    return data.substr(offset, std::min<uint64_t>(length, data.size() - offset));
  }

  Result<uint64_t> ObjectSize(std::string_view name) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    std::lock_guard lock(mu_);
    auto it = objects_.find(name);
    if (it == objects_.end()) return NotFound("object '" + std::string(name) + "' not found");
    return uint64_t{it->second.size()};
  }

  Status DeleteObject(std::string_view name) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    std::lock_guard lock(mu_);
    auto it = objects_.find(name);
    if (it == objects_.end()) return Status::Ok();
    usage_.bytes -= it->second.size();
    --usage_.objects;
    objects_.erase(it);
    return Status::Ok();
  }

  Status ListObjects(const std::function<bool(std::string_view name)>& fn) override {
    // A snapshot of the names, so fn may call back into this backend.
    std::vector<std::string> names;
    {
      std::lock_guard lock(mu_);
      names.reserve(objects_.size());
      for (const auto& [name, data] : objects_) names.push_back(name);
    }
    for (const auto& name : names) {
      if (!fn(name)) break;
    }
    return Status::Ok();
  }

  BackendUsage Usage() const override {
    std::lock_guard lock(mu_);
    return usage_;
  }

  std::string Describe() const override { return "mem:"; }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string, std::less<>> objects_ GUARDED_BY(mu_);
  BackendUsage usage_ GUARDED_BY(mu_);
};

// A staged put builds the object in its own buffer and moves it into the map
// at Commit: one copy of the bytes, as PutObject.
class MemPendingObject final : public BufferedPendingObject {
 public:
  explicit MemPendingObject(MemBackend& backend) : backend_(backend) {}

 protected:
  Status Publish(std::string_view name, std::string bytes) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    backend_.Insert(name, std::move(bytes));
    return Status::Ok();
  }

 private:
  MemBackend& backend_;
};

Result<std::unique_ptr<PendingObject>> MemBackend::BeginPut() {
  return std::unique_ptr<PendingObject>(std::make_unique<MemPendingObject>(*this));
}

}  // namespace

std::unique_ptr<Backend> NewMemBackend() { return std::make_unique<MemBackend>(); }

}  // namespace nasd::chunk
