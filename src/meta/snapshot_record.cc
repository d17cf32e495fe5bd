#include "meta/snapshot_record.h"

#include <fmt/format.h>

#include "meta/codec.h"
#include "meta/records.h"

namespace nasd::meta {
namespace {
constexpr size_t kMaxSnapshotName = 64;
}  // namespace

std::string EncodeSnapshot(const SnapshotInfo& s) {
  Encoder e;
  e.U8(kRecordV1);
  e.U64(s.epoch);
  e.I64(s.created_ns);
  return e.Take();
}

Result<SnapshotInfo> DecodeSnapshot(std::string_view name, std::string_view value) {
  Decoder d(value);
  SnapshotInfo s;
  s.name = std::string(name);
  const uint8_t format = d.U8();
  s.epoch = d.U64();
  s.created_ns = d.I64();
  if (format != kRecordV1 || !d.AtEnd() || s.epoch == 0) {
    return Corruption(fmt::format("snapshot record '{}' is malformed", name));
  }
  return s;
}

Status ValidateSnapshotName(std::string_view name) {
  if (name.empty()) return InvalidArgument("snapshot name must not be empty");
  if (name.size() > kMaxSnapshotName) {
    return InvalidArgument(fmt::format("snapshot name is {} characters; the limit is {}",
                                       name.size(), kMaxSnapshotName));
  }
  if (name.front() == '.') return InvalidArgument("snapshot name must not start with a dot");
  for (unsigned char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-' || c == ':';
    if (!ok) {
      return InvalidArgument("snapshot name may contain only letters, digits, '.', '_', ':' and '-'");
    }
  }
  return Status::Ok();
}

}  // namespace nasd::meta
