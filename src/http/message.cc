#include "http/message.h"

#include <nlohmann/json.hpp>

namespace nasd::http {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void Headers::Set(std::string_view name, std::string value) {
  std::string key = Lower(name);
  std::erase_if(items_, [&](const auto& item) { return item.first == key; });
  items_.emplace_back(std::move(key), std::move(value));
}

void Headers::Add(std::string_view name, std::string value) {
  items_.emplace_back(Lower(name), std::move(value));
}

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  std::string key = Lower(name);
  for (const auto& [k, v] : items_) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.Set("content-type", "application/json");
  r.body = std::move(body);
  return r;
}

Response Response::Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.Set("content-type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

Response Response::Error(const Status& status) {
  // An ok Status is not an error; reporting it as one is a caller bug.
  if (status.ok()) return Error(500, CodeName(Code::kInternal), "error response built from ok");
  return Error(ToHttpStatus(status.code()), CodeName(status.code()), status.message());
}

Response Response::Error(int http_status, std::string_view code, std::string_view message) {
  nlohmann::json j = {{"error", {{"code", code}, {"message", message}}}};
  // Messages may quote client input that is not valid UTF-8: replace, never throw.
  return Json(http_status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\0') return std::nullopt;  // raw, as %00: decoded text never holds NUL
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;  // truncated escape
    int hi = HexValue(s[i + 1]);
    int lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return std::nullopt;
    out += c;
    i += 2;
  }
  return out;
}

}  // namespace nasd::http
