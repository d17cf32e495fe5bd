// Pieces of the Prometheus text exposition format 0.0.4 shared by Render()
// and its tests: name rules, escaping and number formatting.
#pragma once

#include <string>
#include <string_view>

namespace nasd::metrics::text {

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved by Prometheus).
bool IsValidLabelName(std::string_view name);

// Label values escape backslash, double quote and newline.
std::string EscapeLabelValue(std::string_view value);
// HELP text escapes backslash and newline.
std::string EscapeHelp(std::string_view help);

// Shortest round-trip decimal form; "+Inf", "-Inf" and "NaN" for specials.
std::string FormatValue(double v);

}  // namespace nasd::metrics::text
