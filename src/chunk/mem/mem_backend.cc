#include "chunk/mem/mem_backend.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <vector>

#include "chunk/object_name.h"
#include "common/thread_annotations.h"

namespace nasd::chunk {
namespace {

class MemBackend final : public Backend {
 public:
  Status PutObject(std::string_view name, std::string_view data) override {
    NASD_RETURN_IF_ERROR(CheckObjectName(name));
    std::string copy(data);  // allocate outside the lock
    std::lock_guard lock(mu_);
    auto [it, inserted] = objects_.try_emplace(std::string(name));
    if (!inserted) {
      usage_.bytes -= it->second.size();
      --usage_.objects;
    }
    it->second = std::move(copy);
    usage_.bytes += it->second.size();
    ++usage_.objects;
    return Status::Ok();
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

}  // namespace

std::unique_ptr<Backend> NewMemBackend() { return std::make_unique<MemBackend>(); }

}  // namespace nasd::chunk
