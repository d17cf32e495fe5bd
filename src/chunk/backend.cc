// The default staged put: bytes are buffered in memory and handed to
// PutObject at Commit.
#include "chunk/backend.h"

namespace nasd::chunk {
namespace {

class BufferedPendingObject final : public PendingObject {
 public:
  explicit BufferedPendingObject(Backend& backend) : backend_(backend) {}

  Status Append(std::span<const std::string_view> parts) override {
    if (done_) return FailedPrecondition("append to a finished staged put");
    size_t total = buffer_.size();
    for (std::string_view part : parts) total += part.size();
    buffer_.reserve(total);
    for (std::string_view part : parts) buffer_.append(part);
    return Status::Ok();
  }

  Status Sync() override {
    if (done_) return FailedPrecondition("sync of a finished staged put");
    return Status::Ok();
  }

  Status Commit(std::string_view name) override {
    if (done_) return FailedPrecondition("commit of a finished staged put");
    done_ = true;
    Status st = backend_.PutObject(name, buffer_);
    buffer_ = std::string();
    return st;
  }

  void Abort() override {
    done_ = true;
    buffer_ = std::string();
  }

 private:
  Backend& backend_;
  std::string buffer_;
  bool done_ = false;
};

}  // namespace

Result<std::unique_ptr<PendingObject>> Backend::BeginPut() {
  return std::unique_ptr<PendingObject>(std::make_unique<BufferedPendingObject>(*this));
}

}  // namespace nasd::chunk
