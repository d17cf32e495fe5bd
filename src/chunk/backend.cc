// The default staged put: bytes are buffered in memory and handed to
// PutObject at Commit.
#include "chunk/backend.h"

#include <utility>

namespace nasd::chunk {

Status BufferedPendingObject::Append(std::span<const std::string_view> parts) {
  if (done_) return FailedPrecondition("append to a finished staged put");
  size_t total = buffer_.size();
  for (std::string_view part : parts) total += part.size();
  buffer_.reserve(total);
  for (std::string_view part : parts) buffer_.append(part);
  return Status::Ok();
}

Status BufferedPendingObject::Sync() {
  if (done_) return FailedPrecondition("sync of a finished staged put");
  return Status::Ok();
}

Status BufferedPendingObject::Commit(std::string_view name) {
  if (done_) return FailedPrecondition("commit of a finished staged put");
  done_ = true;
  return Publish(name, std::exchange(buffer_, std::string()));
}

void BufferedPendingObject::Abort() {
  done_ = true;
  buffer_ = std::string();
}

namespace {

class PutObjectOnCommit final : public BufferedPendingObject {
 public:
  explicit PutObjectOnCommit(Backend& backend) : backend_(backend) {}

 protected:
  Status Publish(std::string_view name, std::string bytes) override {
    return backend_.PutObject(name, bytes);
  }

 private:
  Backend& backend_;
};

}  // namespace

Result<std::unique_ptr<PendingObject>> Backend::BeginPut() {
  return std::unique_ptr<PendingObject>(std::make_unique<PutObjectOnCommit>(*this));
}

Result<SharedBytes> Backend::ReadObjectShared(std::string_view name, uint64_t length) {
  NASD_ASSIGN_OR_RETURN(std::string bytes, ReadObject(name, 0, length));
  return SharedBytes::Of(std::move(bytes));
}

}  // namespace nasd::chunk
