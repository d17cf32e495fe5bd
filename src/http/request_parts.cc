#include "http/request_parts.h"

#include <array>
#include <atomic>
#include <cctype>
#include <ctime>
#include <iterator>
#include <optional>

#include <fmt/format.h>

#include "common/random.h"
#include "http/message.h"

namespace nasd::http {
namespace {

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

std::optional<std::string> DecodeQueryPart(std::string_view s) {
  std::string plus_as_space(s);
  for (char& c : plus_as_space) {
    if (c == '+') c = ' ';
  }
  return PercentDecode(plus_as_space);
}

}  // namespace

Result<Target> ParseTarget(std::string_view target) {
  if (!target.starts_with('/')) {
    return InvalidArgument("request target must start with '/'");
  }
  Target out;
  size_t q = target.find('?');
  out.raw_path = std::string(target.substr(0, q));
  auto path = PercentDecode(out.raw_path);
  if (!path) return InvalidArgument("malformed percent-encoding in path");
  // Segments are judged on the raw path, each decoded on its own: an encoded
  // '/' would merge or split segments after decoding, and a dot-segment
  // (raw or encoded) would let a "{p...}" capture climb out of its prefix.
  // Clients remove dot-segments before sending (RFC 3986 5.2.4).
  std::string_view rest = std::string_view(out.raw_path).substr(1);
  while (true) {
    const size_t slash = rest.find('/');
    auto segment = PercentDecode(rest.substr(0, slash));
    if (!segment) return InvalidArgument("malformed percent-encoding in path");
    if (segment->find('/') != std::string::npos) {
      return InvalidArgument("encoded '/' (%2F) in a path segment");
    }
    if (*segment == "." || *segment == "..") {
      return InvalidArgument("'.' or '..' segment in the request path");
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  out.path = std::move(*path);
  if (q == std::string_view::npos) return out;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto key = DecodeQueryPart(pair.substr(0, eq));
    auto value = DecodeQueryPart(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!key || !value) return InvalidArgument("malformed percent-encoding in query");
    out.query[std::move(*key)] = std::move(*value);
  }
  return out;
}

Status CheckTransferEncoding(const std::vector<std::string_view>& fields) {
  std::vector<std::string> codings;
  for (std::string_view field : fields) {
    while (true) {
      const size_t comma = field.find(',');
      std::string_view item = field.substr(0, comma);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (!item.empty()) {
        std::string lower(item);
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        codings.push_back(std::move(lower));
      }
      if (comma == std::string_view::npos) break;
      field.remove_prefix(comma + 1);
    }
  }
  if (fields.empty()) return Status::Ok();
  if (codings.empty() || codings.back() != "chunked") {
    return InvalidArgument("Transfer-Encoding must end in chunked");
  }
  if (codings.size() > 1) {
    return NotSupported("transfer codings other than chunked are not supported");
  }
  return Status::Ok();
}

std::string NewRequestId() {
  static std::atomic<uint64_t> next{RandomU64()};
  // splitmix64's finalizer: a bijection, so distinct counters give distinct ids.
  uint64_t z = next.fetch_add(1, std::memory_order_relaxed);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return fmt::format("{:016x}", z);
}

std::optional<std::string> TraceIdFromTraceparent(std::string_view h) {
  // 2 + 1 + 32 + 1 + 16 + 1 + 2
  if (h.size() != 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  std::string_view version = h.substr(0, 2);
  std::string_view trace_id = h.substr(3, 32);
  std::string_view parent_id = h.substr(36, 16);
  std::string_view flags = h.substr(53, 2);
  if (version != "00") return std::nullopt;
  if (!IsLowerHex(trace_id) || !IsLowerHex(parent_id) || !IsLowerHex(flags)) return std::nullopt;
  if (AllZero(trace_id) || AllZero(parent_id)) return std::nullopt;
  return std::string(trace_id);
}

std::string_view MethodLabel(std::string_view method) {
  static constexpr std::array<std::string_view, 15> kKnown = {
      "GET",      "HEAD",   "POST",  "PUT",   "DELETE", "OPTIONS", "PATCH", "PROPFIND",
      "PROPPATCH", "MKCOL", "COPY",  "MOVE",  "LOCK",   "UNLOCK",  "TRACE"};
  for (std::string_view known : kKnown) {
    if (method == known) return known;
  }
  return "OTHER";
}

HeaderVerdict CheckResponseHeader(std::string_view name, std::string_view value) {
  if (name == "content-length" || name == "connection" || name == "date" || name == "server" ||
      name == "transfer-encoding") {
    return HeaderVerdict::kServerOwned;
  }
  static constexpr std::string_view kSeparators("()<>@,;:\\\"/[]?={} \t", 19);
  if (name.empty()) return HeaderVerdict::kUnsafe;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || kSeparators.find(c) != std::string_view::npos) {
      return HeaderVerdict::kUnsafe;
    }
  }
  // No client accepts a longer line (Beast, for one, throws std::length_error
  // for a field over 65533 bytes).
  if (name.size() > kMaxResponseFieldBytes || value.size() > kMaxResponseFieldBytes) {
    return HeaderVerdict::kUnsafe;
  }
  static constexpr std::string_view kBadInValue("\r\n\0", 3);
  if (value.find_first_of(kBadInValue) != std::string_view::npos) return HeaderVerdict::kUnsafe;
  return HeaderVerdict::kKeep;
}

std::string HttpDate(std::chrono::system_clock::time_point t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  // Every response carries the date of its second: each thread formats a
  // second once.
  thread_local std::optional<std::time_t> cached_secs;
  thread_local std::string cached;
  if (cached_secs == secs) return cached;
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  cached = fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays[tm.tm_wday], tm.tm_mday,
                       kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  cached_secs = secs;
  return cached;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 207: return "Multi-Status";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 423: return "Locked";
    case 424: return "Failed Dependency";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    default: return "";
  }
}

std::string ResponseHead(int status, const Headers& headers, std::string_view request_id, bool keep_alive,
                         std::optional<uint64_t> content_length, std::vector<std::string>* dropped) {
  std::string out;
  out.reserve(256);
  fmt::format_to(std::back_inserter(out), "HTTP/1.1 {} {}\r\n", status, ReasonPhrase(status));
  auto line = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  };
  for (const auto& [name, value] : headers.all()) {
    switch (CheckResponseHeader(name, value)) {
      case HeaderVerdict::kKeep: line(name, value); break;
      case HeaderVerdict::kServerOwned: break;
      case HeaderVerdict::kUnsafe:
        if (dropped != nullptr) dropped->push_back(name);
        break;
    }
  }
  line("Server", "nasd");
  line("Date", HttpDate(std::chrono::system_clock::now()));
  line("x-request-id", request_id);
  if (!keep_alive) line("Connection", "close");
  if (content_length) fmt::format_to(std::back_inserter(out), "Content-Length: {}\r\n", *content_length);
  out.append("\r\n");
  return out;
}

}  // namespace nasd::http
