// The S3 Backend: one object per backend object in an S3-compatible bucket,
// named options.prefix + name (docs/format/s3.md).
//
// - PutObject sends one PUT with the SHA-256 of the body as the signed
//   payload hash (never aws-chunked); it returns ok only when the server
//   acknowledged the whole object, which S3 makes atomic and durable. Puts
//   are idempotent. Staged puts use Backend's buffering default.
// - ReadObject is a ranged GET, ObjectSize a HEAD, DeleteObject a DELETE
//   (an absent object is fine), ListObjects pages through ListObjectsV2 with
//   continuation tokens and skips keys under the prefix that are not valid
//   object names (another tool's files).
// - Opening sends no request, so it costs the same for any bucket size and
//   works while the service is unreachable (a read cache in front keeps
//   serving; errors show at the first request). Usage is counted by a
//   background listing that the first Usage() call starts (retried until it
//   completes; until then Usage is a lower bound, exact = false) and then
//   kept in memory from this process's puts and deletes; the index costs
//   about 150 bytes per object. Writers in other processes are not seen.
// - Every request is retried per S3Client (backoff, total deadline); the
//   errors name the cause: kNotFound for an unknown bucket, kPermissionDenied
//   for bad credentials or clock skew, kTimeout or kNetworkError when the
//   server cannot be reached within the deadline.
// Thread-safe; at most options.concurrency requests run at once.
#pragma once

#include <memory>

#include "chunk/backend.h"
#include "chunk/s3/s3_options.h"

namespace nasd::chunk {

// Validates options (kInvalidArgument); sends nothing (see Usage above).
Result<std::unique_ptr<Backend>> OpenS3Backend(const s3::S3Options& options);

}  // namespace nasd::chunk
