#include "common/logging.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace nasd::log {
namespace {

constexpr int64_t kTs = 1'795'000'000'123;

TEST(LoggingTest, JsonLineIsOneValidObject) {
  std::vector<Field> fields = {{"path", "/a\"b\nINFO forged", true}, {"status", "200", false}};
  std::string line = RenderLine(Format::kJson, Level::kInfo, "http.access", fields, kTs);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["event"], "http.access");
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["path"], "/a\"b\nINFO forged");
  EXPECT_EQ(j["status"], 200);
  EXPECT_EQ(j["ts"], "2026-11-18T11:06:40.123Z");
}

TEST(LoggingTest, TextLineQuotesUnsafeValues) {
  std::vector<Field> fields = {{"method", "GET", true}, {"path", "/x y\nz", true}};
  std::string line = RenderLine(Format::kText, Level::kWarn, "http.access", fields, kTs);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("WARN  http.access method=GET path=\"/x y\\nz\""), std::string::npos) << line;
}

TEST(LoggingTest, ParsesLevelsAndFormats) {
  EXPECT_EQ(*ParseLevel("debug"), Level::kDebug);
  EXPECT_FALSE(ParseLevel("verbose").ok());
  EXPECT_EQ(*ParseFormat("json"), Format::kJson);
  EXPECT_FALSE(ParseFormat("xml").ok());
}

}  // namespace
}  // namespace nasd::log
