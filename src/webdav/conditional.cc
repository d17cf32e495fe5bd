#include "webdav/conditional.h"

#include <fmt/format.h>

#include <ctime>

#include "http/message.h"

namespace nasd::webdav {
namespace {

using http::TrimOws;

std::string_view Opaque(std::string_view tag) {
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  return tag;
}

}  // namespace

std::string MakeEtag(const vfs::Attr& a) {
  return fmt::format("\"{:x}-{:x}-{:x}-{:x}\"", a.ino, a.generation, a.size,
                     static_cast<uint64_t>(a.mtime_ns));
}

std::string FormatHttpDate(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

std::string FormatRfc3339(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

std::optional<int64_t> ParseHttpDate(std::string_view s) {
  std::string text(TrimOws(s));
  if (text.size() > 64) return std::nullopt;
  for (const char* fmt :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), fmt, &tm);
    if (end != nullptr && *end == '\0') return static_cast<int64_t>(timegm(&tm));
  }
  return std::nullopt;
}

bool EtagListMatches(std::string_view list, std::string_view etag, bool strong) {
  if (TrimOws(list) == "*") return !etag.empty();
  if (etag.empty()) return false;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view tag = TrimOws(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (tag.empty()) continue;
    if (strong) {
      if (!tag.starts_with("W/") && tag == etag) return true;
    } else if (Opaque(tag) == Opaque(etag)) {
      return true;
    }
  }
  return false;
}

Precondition EvaluatePreconditions(const http::Request& req, const Validators& v) {
  const bool safe = req.method == "GET" || req.method == "HEAD";
  if (auto im = req.headers.Get("if-match")) {
    if (!EtagListMatches(*im, v.exists ? v.etag : "", /*strong=*/true))
      return Precondition::kFailed;
  } else if (auto ius = req.headers.Get("if-unmodified-since")) {
    auto t = ParseHttpDate(*ius);
    if (t && v.exists && v.mtime_s > *t) return Precondition::kFailed;
  }
  if (auto inm = req.headers.Get("if-none-match")) {
    if (EtagListMatches(*inm, v.exists ? v.etag : "", /*strong=*/false)) {
      return safe ? Precondition::kNotModified : Precondition::kFailed;
    }
  } else if (auto ims = req.headers.Get("if-modified-since"); ims && safe) {
    auto t = ParseHttpDate(*ims);
    if (t && v.exists && v.mtime_s <= *t) return Precondition::kNotModified;
  }
  return Precondition::kProceed;
}

bool IfRangeAllows(const http::Request& req, const Validators& v) {
  auto ir = req.headers.Get("if-range");
  if (!ir) return true;
  std::string_view value = TrimOws(*ir);
  if (value.starts_with('"')) return value == v.etag;
  if (value.starts_with("W/")) return false;
  auto t = ParseHttpDate(value);
  return t && *t == v.mtime_s;
}

}  // namespace nasd::webdav
