#include "common/status.h"

#include <cstring>

#include <fmt/format.h>

namespace nasd {
namespace {

struct CodeInfo {
  Code code;
  std::string_view name;
  int err;
  int http;
  int nfs3;
  bool retryable;
};

constexpr CodeInfo kCodes[] = {
#define NASD_X(name, num, wire, err, http, nfs3, retry) {Code::name, wire, err, http, nfs3, retry},
    NASD_ERROR_CODES(NASD_X)
#undef NASD_X
};

const CodeInfo& Info(Code code) {
  for (const auto& info : kCodes) {
    if (info.code == code) return info;
  }
  return kCodes[0];  // unreachable for valid codes; the enum is generated from the same table
}

}  // namespace

std::string_view CodeName(Code code) { return Info(code).name; }
bool IsRetryable(Code code) { return Info(code).retryable; }
int ToErrno(Code code) { return Info(code).err; }
int ToHttpStatus(Code code) { return Info(code).http; }
int ToNfs3Status(Code code) { return Info(code).nfs3; }

std::string Status::ToString() const {
  if (ok()) return "ok";
  if (message_.empty()) return std::string(CodeName(code_));
  return fmt::format("{}: {}", CodeName(code_), message_);
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, fmt::format("{}: {}", context, message_));
}

Code CodeFromErrno(int err) {
  switch (err) {
    case 0: return Code::kOk;
    case ENOENT: return Code::kNotFound;
    case EEXIST: return Code::kAlreadyExists;
    case EACCES: return Code::kPermissionDenied;
    case EPERM: return Code::kNotPermitted;
    case ENOSPC:
    case EDQUOT: return Code::kNoSpace;
    case EROFS: return Code::kReadOnly;
    case ENOTEMPTY: return Code::kNotEmpty;
    case EINVAL: return Code::kInvalidArgument;
    case ENAMETOOLONG: return Code::kNameTooLong;
    case ENOTDIR: return Code::kNotDirectory;
    case EISDIR: return Code::kIsDirectory;
    case ELOOP: return Code::kLoop;
    case ESTALE: return Code::kStale;
    case EXDEV: return Code::kCrossDevice;
    case EBUSY: return Code::kBusy;
    case ENODATA: return Code::kNoAttribute;
    case ERANGE: return Code::kValueRange;
    case E2BIG: return Code::kValueTooLarge;
    case EMLINK: return Code::kTooManyLinks;
    case EFBIG: return Code::kTooLarge;
    case ETIMEDOUT: return Code::kTimeout;
    case EAGAIN:
    case EINTR: return Code::kUnavailable;
    case ECONNREFUSED:
    case ECONNRESET:
    case EPIPE:
    case EHOSTUNREACH:
    case ENETUNREACH: return Code::kNetworkError;
    default: return Code::kIoError;
  }
}

Status ErrnoStatus(int err, std::string_view what) {
  return Status(CodeFromErrno(err), fmt::format("{}: {}", what, std::strerror(err)));
}

}  // namespace nasd
