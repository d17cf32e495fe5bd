// Runs `promtool check metrics` on exposition text (header-only test helper,
// shared by the metrics and http tests).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "testutil/temp_dir.h"

namespace nasd::testutil {

struct PromtoolResult {
  int exit_code = -1;
  std::string output;  // promtool's stdout and stderr: the problems it found
};

inline PromtoolResult PromtoolCheckMetrics(const std::string& exposition) {
  TempDir dir;
  std::string path = dir.Sub("metrics.prom");
  {
    std::ofstream out(path, std::ios::binary);
    out << exposition;
  }
  PromtoolResult result;
  std::string cmd = "/usr/bin/promtool check metrics < '" + path + "' 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) result.output.append(buf, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace nasd::testutil
