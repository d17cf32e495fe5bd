// Structured logging for operators.
//
// A log line is an event name plus typed fields. In text format it reads
//   2026-11-26T06:40:01.123Z INFO  http.access method=GET path=/healthz status=200
// and in json format it is one object per line (for journald and collectors):
//   {"ts":"2026-11-26T06:40:01.123Z","level":"info","event":"http.access","method":"GET",...}
// Field values are escaped in both formats, so hostile input (a path with a
// newline or a quote) cannot forge lines.
//
// Thread safety: all functions may be called from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace nasd::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kText, kJson };

struct Field {
  std::string key;
  std::string value;
  bool quoted;  // strings are quoted in json; numbers and bools are not
};

Result<Level> ParseLevel(std::string_view text);    // debug|info|warn|error
Result<Format> ParseFormat(std::string_view text);  // text|json

// Sets the threshold and format of the process logger (writes to stderr).
void Configure(Level level, Format format);
bool Enabled(Level level);

// Builder for one log event; emits on destruction (if the level is enabled).
//   log::Info("server.listening").Str("address", addr).Int("port", port);
class Event {
 public:
  Event(Level level, std::string_view name);
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  Event& Str(std::string_view key, std::string_view value);
  Event& Int(std::string_view key, int64_t value);
  Event& Uint(std::string_view key, uint64_t value);
  Event& Double(std::string_view key, double value);
  Event& Bool(std::string_view key, bool value);
  Event& Err(const Status& status);  // adds error=<code> message=<text>

 private:
  bool enabled_;
  Level level_;
  std::string name_;
  std::vector<Field> fields_;
};

inline Event Debug(std::string_view name) { return Event(Level::kDebug, name); }
inline Event Info(std::string_view name) { return Event(Level::kInfo, name); }
inline Event Warn(std::string_view name) { return Event(Level::kWarn, name); }
inline Event Error(std::string_view name) { return Event(Level::kError, name); }

// Renders one line without the trailing newline (exposed for tests).
std::string RenderLine(Format format, Level level, std::string_view name,
                       const std::vector<Field>& fields, int64_t unix_millis);

}  // namespace nasd::log
