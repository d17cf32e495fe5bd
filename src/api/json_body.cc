#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/resources.h"

namespace nasd::api {

Result<nlohmann::json> ParseJsonObject(const http::Request& req) {
  if (auto type = req.headers.Get("content-type")) {
    std::string_view t = *type;
    if (t.substr(0, t.find(';')) != "application/json") {
      return InvalidArgument(fmt::format("content type must be application/json, not '{}'", t));
    }
  }
  if (req.body.empty()) return InvalidArgument("request body is empty; expected a JSON object");
  auto j = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("request body is not valid JSON");
  if (!j.is_object()) return InvalidArgument("request body must be a JSON object");
  return j;
}

std::string FormatTimeNs(int64_t unix_ns) {
  std::time_t secs = static_cast<std::time_t>(unix_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, unix_ns % 1'000'000'000);
}

Result<bool> QueryBool(const http::Request& req, const std::string& name, bool fallback) {
  auto it = req.query.find(name);
  if (it == req.query.end()) return fallback;
  if (it->second == "true" || it->second == "1") return true;
  if (it->second == "false" || it->second == "0") return false;
  return InvalidArgument(fmt::format("query parameter '{}' must be true or false, not '{}'", name, it->second));
}

}  // namespace nasd::api
