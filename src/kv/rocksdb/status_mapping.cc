#include "kv/rocksdb/status_mapping.h"

#include <string>

namespace nasd::kv {
namespace {

Code CodeOf(const rocksdb::Status& status) {
  if (status.IsBusy() || status.IsTryAgain()) return Code::kConflict;
  if (status.IsNoSpace()) return Code::kNoSpace;
  if (status.IsIOError()) return Code::kIoError;
  if (status.IsCorruption()) return Code::kCorruption;
  if (status.IsNotFound()) return Code::kNotFound;
  if (status.IsInvalidArgument()) return Code::kInvalidArgument;
  if (status.IsNotSupported()) return Code::kNotSupported;
  if (status.IsTimedOut()) return Code::kTimeout;
  if (status.IsShutdownInProgress()) return Code::kUnavailable;
  return Code::kInternal;
}

}  // namespace

Status FromRocksDb(const rocksdb::Status& status, std::string_view context) {
  if (status.ok()) return Status::Ok();
  std::string message(context);
  message += ": ";
  message += status.ToString();
  return Status(CodeOf(status), std::move(message));
}

}  // namespace nasd::kv
