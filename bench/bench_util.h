// Helpers shared by the C++ benchmarks: a benchmark that hits an error stops
// at once with one line naming what failed (a partial figure is worse than
// none).
#pragma once

#include <fmt/format.h>

#include <cstdlib>
#include <string>
#include <utility>

#include "common/status.h"

namespace nasd::bench {

// The program's name in error lines; set once at the start of main().
inline const char*& ProgramName() {
  static const char* name = "bench";
  return name;
}

[[noreturn]] inline void Die(const std::string& msg) {
  fmt::print(stderr, "{}: {}\n", ProgramName(), msg);
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) Die(fmt::format("{}: {}", what, r.status().ToString()));
  return std::move(r).value();
}

inline void Must(const Status& st, const char* what) {
  if (!st.ok()) Die(fmt::format("{}: {}", what, st.ToString()));
}

}  // namespace nasd::bench
