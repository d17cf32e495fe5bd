// Status and Result<T>: how every nasd module reports success or failure.
//
// A Status is an error code from error_codes.h plus a human message. It is
// cheap to copy when ok. Result<T> holds either a value or a non-ok Status.
// Both are [[nodiscard]]: ignoring an error must be explicit (IgnoreError()).
#pragma once

#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "common/error_codes.h"

namespace nasd {

enum class Code : uint16_t {
#define NASD_X(name, num, wire, err, http, nfs3, retry) name = num,
  NASD_ERROR_CODES(NASD_X)
#undef NASD_X
};

// Stable snake_case name used on the wire (JSON errors, logs, metrics).
std::string_view CodeName(Code code);
bool IsRetryable(Code code);
// Protocol mappings: the only places a code becomes errno or an HTTP status.
int ToErrno(Code code);
int ToHttpStatus(Code code);
// NFS3ERR_* (RFC 1813 nfsstat3); 0 for kOk.
int ToNfs3Status(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool retryable() const { return IsRetryable(code_); }

  // "not_found: share 'x' does not exist"
  std::string ToString() const;

  // Returns a copy whose message is prefixed with context ("open chunk: ...").
  Status WithContext(std::string_view context) const;

  // Marks a deliberately ignored error; searchable in code review.
  void IgnoreError() const {}

  bool operator==(const Status& other) const { return code_ == other.code_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Builds a Status from errno with the system message appended.
Status ErrnoStatus(int err, std::string_view what);
// Maps an errno to the closest code (ENOSPC -> kNoSpace, ENOENT -> kNotFound ...).
Code CodeFromErrno(int err);

#define NASD_DEFINE_STATUS_FACTORY(name, code)                 \
  inline Status name(std::string msg) { return Status(Code::code, std::move(msg)); }
NASD_DEFINE_STATUS_FACTORY(InvalidArgument, kInvalidArgument)
NASD_DEFINE_STATUS_FACTORY(NotFound, kNotFound)
NASD_DEFINE_STATUS_FACTORY(AlreadyExists, kAlreadyExists)
NASD_DEFINE_STATUS_FACTORY(PermissionDenied, kPermissionDenied)
NASD_DEFINE_STATUS_FACTORY(Unauthenticated, kUnauthenticated)
NASD_DEFINE_STATUS_FACTORY(TooLarge, kTooLarge)
NASD_DEFINE_STATUS_FACTORY(NotEmpty, kNotEmpty)
NASD_DEFINE_STATUS_FACTORY(Unavailable, kUnavailable)
NASD_DEFINE_STATUS_FACTORY(Timeout, kTimeout)
NASD_DEFINE_STATUS_FACTORY(Internal, kInternal)
NASD_DEFINE_STATUS_FACTORY(NotSupported, kNotSupported)
NASD_DEFINE_STATUS_FACTORY(FailedPrecondition, kFailedPrecondition)
NASD_DEFINE_STATUS_FACTORY(OutOfRange, kOutOfRange)
NASD_DEFINE_STATUS_FACTORY(IoError, kIoError)
NASD_DEFINE_STATUS_FACTORY(Corruption, kCorruption)
NASD_DEFINE_STATUS_FACTORY(Conflict, kConflict)
NASD_DEFINE_STATUS_FACTORY(ConfigInvalid, kConfigInvalid)
NASD_DEFINE_STATUS_FACTORY(NetworkError, kNetworkError)
#undef NASD_DEFINE_STATUS_FACTORY

// Result<T>: a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}   // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace nasd

// Propagates a non-ok Status from an expression returning Status.
#define NASD_RETURN_IF_ERROR(expr)              \
  do {                                          \
    ::nasd::Status _nasd_st = (expr);           \
    if (!_nasd_st.ok()) return _nasd_st;        \
  } while (0)

#define NASD_CONCAT_INNER(a, b) a##b
#define NASD_CONCAT(a, b) NASD_CONCAT_INNER(a, b)
// NASD_ASSIGN_OR_RETURN(auto x, ResultExpr()): binds the value or returns the Status.
#define NASD_ASSIGN_OR_RETURN(lhs, expr) \
  NASD_ASSIGN_OR_RETURN_IMPL(NASD_CONCAT(_nasd_res_, __LINE__), lhs, expr)
#define NASD_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
