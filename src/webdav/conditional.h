// Entity tags, HTTP dates and the RFC 9110 (13.2.2) precondition order for
// If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since and If-Range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"
#include "vfs/types.h"

namespace nasd::webdav {

// Strong validator from what changes whenever the content may have changed:
// "\"<ino>-<generation>-<size>-<mtime_ns>\"" in hex, quotes included.
std::string MakeEtag(const vfs::Attr& attr);

// IMF-fixdate of a Unix time in seconds.
std::string FormatHttpDate(int64_t unix_seconds);
// IMF-fixdate, RFC 850 or asctime; nullopt when none fits.
std::optional<int64_t> ParseHttpDate(std::string_view s);
// RFC 3339 ("2026-11-26T09:01:35Z") for DAV:creationdate.
std::string FormatRfc3339(int64_t unix_seconds);

// True if the comma-separated list of entity tags (or "*") matches etag.
// Strong comparison drops weak tags; weak comparison ignores the W/ prefix.
bool EtagListMatches(std::string_view list, std::string_view etag, bool strong);

// The state of the target for the preconditions; etag empty when the target
// does not exist.
struct Validators {
  bool exists = false;
  std::string etag;
  int64_t mtime_s = 0;
};

enum class Precondition {
  kProceed,
  kNotModified,  // 304 (GET/HEAD only)
  kFailed,       // 412
};

// Evaluates the conditional headers of req (method decides 304 vs 412).
Precondition EvaluatePreconditions(const http::Request& req, const Validators& v);

// True if a Range may be honoured: no If-Range, or it matches (a strong etag
// equal to v.etag, or a date equal to the last modification).
bool IfRangeAllows(const http::Request& req, const Validators& v);

}  // namespace nasd::webdav
