#include <algorithm>
#include <cctype>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/resources.h"
#include "common/units.h"

namespace nasd::api {
namespace {

// Management bodies are shallow; deeper nesting is refused before parsing.
constexpr int kMaxJsonDepth = 32;

// Deepest nesting of arrays and objects in text, skipping strings. A DOM of
// "[[[[..." costs about 80 bytes a level (80 MB for a 1 MiB body), so the
// depth is bounded before nlohmann builds anything. Malformed text is left
// for the parser to reject.
int JsonDepth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

Result<nlohmann::json> ParseJsonObject(const http::Request& req) {
  if (auto type = req.headers.Get("content-type")) {
    // RFC 9110 8.3.1: the type/subtype is case-insensitive, and whitespace may
    // precede the ';' of parameters ("Application/JSON ; charset=utf-8").
    std::string_view t = *type;
    std::string_view media = t.substr(0, t.find(';'));
    while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
    while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
    constexpr std::string_view kJson = "application/json";
    const bool is_json =
        media.size() == kJson.size() &&
        std::equal(media.begin(), media.end(), kJson.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        });
    if (!is_json) {
      return InvalidArgument(fmt::format("content type must be application/json, not '{}'", t));
    }
  }
  if (req.body.empty()) return InvalidArgument("request body is empty; expected a JSON object");
  if (JsonDepth(req.body) > kMaxJsonDepth) {
    return InvalidArgument(
        fmt::format("request body nests arrays or objects deeper than {} levels", kMaxJsonDepth));
  }
  auto j = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("request body is not valid JSON");
  if (!j.is_object()) return InvalidArgument("request body must be a JSON object");
  return j;
}

std::string FormatTimeNs(int64_t unix_ns) { return FormatUtcNs(unix_ns); }

Result<bool> QueryBool(const http::Request& req, const std::string& name, bool fallback) {
  auto it = req.query.find(name);
  if (it == req.query.end()) return fallback;
  if (it->second == "true" || it->second == "1") return true;
  if (it->second == "false" || it->second == "0") return false;
  return InvalidArgument(fmt::format("query parameter '{}' must be true or false, not '{}'", name, it->second));
}

}  // namespace nasd::api
