#include "common/logging.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <fmt/format.h>

namespace nasd::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::atomic<Format> g_format{Format::kText};
std::mutex g_write_mu;

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

std::string_view LevelTag(Level level) {
  switch (level) {
    case Level::kDebug: return "DEBUG";
    case Level::kInfo: return "INFO ";
    case Level::kWarn: return "WARN ";
    case Level::kError: return "ERROR";
  }
  return "INFO ";
}

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

// Text values stay bare when they are simple tokens, else quoted and escaped.
void AppendTextValue(std::string& out, std::string_view s) {
  bool simple = !s.empty();
  for (unsigned char c : s) {
    if (c <= 0x20 || c == '"' || c == '=' || c == '\\' || c >= 0x7f) {
      simple = false;
      break;
    }
  }
  if (simple) {
    out.append(s);
  } else {
    AppendJsonString(out, s);
  }
}

std::string Timestamp(int64_t unix_millis) {
  std::time_t secs = static_cast<std::time_t>(unix_millis / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     unix_millis % 1000);
}

}  // namespace

Result<Level> ParseLevel(std::string_view text) {
  if (text == "debug") return Level::kDebug;
  if (text == "info") return Level::kInfo;
  if (text == "warn" || text == "warning") return Level::kWarn;
  if (text == "error") return Level::kError;
  return InvalidArgument(fmt::format("log level '{}' is not one of debug, info, warn, error", text));
}

Result<Format> ParseFormat(std::string_view text) {
  if (text == "text") return Format::kText;
  if (text == "json") return Format::kJson;
  return InvalidArgument(fmt::format("log format '{}' is not one of text, json", text));
}

void Configure(Level level, Format format) {
  g_level.store(level);
  g_format.store(format);
}

bool Enabled(Level level) { return level >= g_level.load(std::memory_order_relaxed); }

std::string RenderLine(Format format, Level level, std::string_view name,
                       const std::vector<Field>& fields, int64_t unix_millis) {
  std::string out;
  out.reserve(128);
  if (format == Format::kJson) {
    out += "{\"ts\":";
    AppendJsonString(out, Timestamp(unix_millis));
    out += ",\"level\":";
    AppendJsonString(out, LevelName(level));
    out += ",\"event\":";
    AppendJsonString(out, name);
    for (const auto& f : fields) {
      out.push_back(',');
      AppendJsonString(out, f.key);
      out.push_back(':');
      if (f.quoted) {
        AppendJsonString(out, f.value);
      } else {
        out += f.value;
      }
    }
    out.push_back('}');
  } else {
    out += Timestamp(unix_millis);
    out.push_back(' ');
    out += LevelTag(level);
    out.push_back(' ');
    AppendTextValue(out, name);
    for (const auto& f : fields) {
      out.push_back(' ');
      AppendTextValue(out, f.key);
      out.push_back('=');
      AppendTextValue(out, f.value);
    }
  }
  return out;
}

Event::Event(Level level, std::string_view name)
    : enabled_(Enabled(level)), level_(level), name_(enabled_ ? std::string(name) : std::string()) {}

Event::~Event() {
  if (!enabled_) return;
  auto now = std::chrono::system_clock::now().time_since_epoch();
  std::string line = RenderLine(g_format.load(), level_, name_, fields_,
                                std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  line.push_back('\n');
  std::lock_guard lock(g_write_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

Event& Event::Str(std::string_view key, std::string_view value) {
  if (enabled_) fields_.push_back({std::string(key), std::string(value), true});
  return *this;
}
Event& Event::Int(std::string_view key, int64_t value) {
  if (enabled_) fields_.push_back({std::string(key), fmt::format("{}", value), false});
  return *this;
}
Event& Event::Uint(std::string_view key, uint64_t value) {
  if (enabled_) fields_.push_back({std::string(key), fmt::format("{}", value), false});
  return *this;
}
Event& Event::Double(std::string_view key, double value) {
  if (enabled_) fields_.push_back({std::string(key), fmt::format("{:.6g}", value), false});
  return *this;
}
Event& Event::Bool(std::string_view key, bool value) {
  if (enabled_) fields_.push_back({std::string(key), value ? "true" : "false", false});
  return *this;
}
Event& Event::Err(const Status& status) {
  if (enabled_ && !status.ok()) {
    Str("error", CodeName(status.code()));
    Str("message", status.message());
  }
  return *this;
}

}  // namespace nasd::log
