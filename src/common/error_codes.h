// The one table of nasd error codes. Every module boundary reports failures as
// one of these codes; each protocol maps a code to its own vocabulary through
// exactly one function (status.h: ToErrno, ToHttpStatus, ToNfs3Status).
//
// Codes are numbered by module: 1xx general, 2xx storage I/O, 3xx chunk store,
// 4xx KV, 5xx config/CLI, 6xx network, 7xx filesystem (POSIX errors of vfs).
// Retryable codes describe transient conditions a caller may retry unchanged.
#pragma once

// X(Name, number, "wire_name", errno, http_status, nfs3_status, retryable)
// nfs3_status is the NFS3ERR_* value of RFC 1813 (2.6): 1 PERM, 2 NOENT, 5 IO,
// 13 ACCES, 17 EXIST, 18 XDEV, 20 NOTDIR, 21 ISDIR, 22 INVAL, 27 FBIG, 28 NOSPC,
// 30 ROFS, 31 MLINK, 63 NAMETOOLONG, 66 NOTEMPTY, 70 STALE, 10004 NOTSUPP,
// 10006 SERVERFAULT, 10008 JUKEBOX (retryable: the client retries later).
#define NASD_ERROR_CODES(X)                                                            \
  X(kOk, 0, "ok", 0, 200, 0, false)                                                    \
  X(kInvalidArgument, 100, "invalid_argument", EINVAL, 400, 22, false)                 \
  X(kNotFound, 101, "not_found", ENOENT, 404, 2, false)                                \
  X(kAlreadyExists, 102, "already_exists", EEXIST, 409, 17, false)                     \
  X(kPermissionDenied, 103, "permission_denied", EACCES, 403, 13, false)               \
  X(kUnauthenticated, 104, "unauthenticated", EACCES, 401, 13, false)                  \
  X(kTooLarge, 105, "too_large", EFBIG, 413, 27, false)                                \
  X(kNotEmpty, 106, "not_empty", ENOTEMPTY, 409, 66, false)                            \
  X(kUnavailable, 107, "unavailable", EAGAIN, 503, 10008, true)                        \
  X(kTimeout, 108, "timeout", ETIMEDOUT, 504, 10008, true)                             \
  X(kInternal, 109, "internal", EIO, 500, 10006, false)                                \
  X(kNotSupported, 110, "not_supported", EOPNOTSUPP, 501, 10004, false)                \
  X(kCancelled, 111, "cancelled", ECANCELED, 503, 10006, false)                        \
  X(kFailedPrecondition, 112, "failed_precondition", EINVAL, 400, 22, false)           \
  X(kOutOfRange, 113, "out_of_range", EINVAL, 416, 22, false)                          \
  X(kWouldBlock, 114, "would_block", EAGAIN, 503, 10008, true)                         \
  X(kIoError, 200, "io_error", EIO, 500, 5, true)                                      \
  X(kNoSpace, 201, "no_space", ENOSPC, 507, 28, false)                                 \
  X(kReadOnly, 202, "read_only", EROFS, 403, 30, false)                                \
  X(kCorruption, 300, "corruption", EIO, 500, 5, false)                                \
  X(kConflict, 400, "conflict", EAGAIN, 409, 10008, true)                              \
  X(kConfigInvalid, 500, "config_invalid", EINVAL, 400, 22, false)                     \
  X(kNetworkError, 600, "network_error", EIO, 502, 5, true)                            \
  X(kNotPermitted, 700, "not_permitted", EPERM, 403, 1, false)                         \
  X(kNotDirectory, 701, "not_directory", ENOTDIR, 409, 20, false)                      \
  X(kIsDirectory, 702, "is_directory", EISDIR, 409, 21, false)                         \
  X(kNameTooLong, 703, "name_too_long", ENAMETOOLONG, 400, 63, false)                  \
  X(kLoop, 704, "loop", ELOOP, 508, 22, false)                                         \
  X(kStale, 705, "stale", ESTALE, 404, 70, false)                                      \
  X(kCrossDevice, 706, "cross_device", EXDEV, 502, 18, false)                          \
  X(kBusy, 707, "busy", EBUSY, 409, 22, false)                                         \
  X(kNoAttribute, 708, "no_attribute", ENODATA, 404, 2, false)                         \
  X(kValueRange, 709, "value_range", ERANGE, 400, 22, false)                           \
  X(kValueTooLarge, 710, "value_too_large", E2BIG, 413, 22, false)                     \
  X(kTooManyLinks, 711, "too_many_links", EMLINK, 409, 31, false)
