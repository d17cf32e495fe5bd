#include "cli/systemd_unit.h"

#include <gtest/gtest.h>

namespace nasd::cli {
namespace {

TEST(SystemdUnitTest, RunsServeWithTheConfigAndDrainsOnSigterm) {
  std::string unit = SystemdUnitText("/usr/local/bin/nasd", "/etc/nasd/config.yaml", "/srv/nasd");
  EXPECT_NE(unit.find("[Unit]\n"), std::string::npos);
  EXPECT_NE(unit.find("\n[Service]\n"), std::string::npos);
  EXPECT_NE(unit.find("\n[Install]\nWantedBy=multi-user.target\n"), std::string::npos);
  EXPECT_NE(unit.find("\nExecStart=/usr/local/bin/nasd --config /etc/nasd/config.yaml --log-format json serve\n"),
            std::string::npos);
  EXPECT_NE(unit.find("\nKillSignal=SIGTERM\n"), std::string::npos);
  EXPECT_NE(unit.find("\nRestart=on-failure\n"), std::string::npos);
  EXPECT_NE(unit.find("\nReadWritePaths=/srv/nasd\n"), std::string::npos);
  EXPECT_NE(unit.find("\nProtectSystem=strict\n"), std::string::npos);
  // Every non-empty line is a section header, a comment or key=value.
  size_t start = 0;
  while (start < unit.size()) {
    size_t end = unit.find('\n', start);
    std::string line = unit.substr(start, end - start);
    if (!line.empty()) {
      EXPECT_TRUE(line.front() == '[' || line.front() == '#' || line.find('=') != std::string::npos) << line;
    }
    start = end + 1;
  }
}

}  // namespace
}  // namespace nasd::cli
