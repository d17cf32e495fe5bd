// The nfs section of config.yaml and its translation into export rules.
#include <gtest/gtest.h>

#include "common/config.h"
#include "nfs/nfs_server.h"

namespace nasd::nfs {
namespace {

constexpr std::string_view kBase = "storage:\n  path: /tmp/x\n";

Result<Config> Parse(std::string_view nfs) {
  return ParseConfig(std::string(kBase) + std::string(nfs), "config.yaml", "/tmp");
}

TEST(NfsConfig, DefaultsAreDisabledOnPort2049WithoutExports) {
  auto c = Parse("");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->nfs.enabled);
  EXPECT_EQ(c->nfs.listen, "0.0.0.0:2049");
  EXPECT_TRUE(c->nfs.exports.empty());
  EXPECT_EQ(c->nfs.idle_timeout, std::chrono::minutes(6));
  EXPECT_EQ(c->nfs.max_connections_per_client, 64);
  EXPECT_EQ(c->nfs.busy_poll_us, 50);
}

TEST(NfsConfig, BusyPollIsMicrosecondsUpToOneMillisecond) {
  auto off = Parse("nfs:\n  busy_poll_us: 0\n");
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_EQ(off->nfs.busy_poll_us, 0);
  auto too_long = Parse("nfs:\n  busy_poll_us: 5000\n");
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.status().message().find("nfs.busy_poll_us"), std::string::npos);
}

TEST(NfsConfig, ConnectionLimitsAreParsedAndChecked) {
  auto c = Parse("nfs:\n  idle_timeout: 90s\n  max_connections_per_client: 4\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->nfs.idle_timeout, std::chrono::seconds(90));
  EXPECT_EQ(c->nfs.max_connections_per_client, 4);
  auto zero = Parse("nfs:\n  max_connections_per_client: 0\n");
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("nfs.max_connections_per_client"), std::string::npos);
  auto bad = Parse("nfs:\n  idle_timeout: soon\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("nfs.idle_timeout"), std::string::npos);
}

TEST(NfsConfig, ParsesExportsIntoRules) {
  auto c = Parse(R"(nfs:
  enabled: true
  listen: 127.0.0.1:2050
  exports:
    - share: media
      networks: [10.0.0.0/8, "::1/128"]
      access: read-only
      squash: all_squash
      anonuid: 1000
      anongid: 1001
    - share: home
      networks: [127.0.0.1]
)");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->nfs.enabled);
  EXPECT_EQ(c->nfs.listen, "127.0.0.1:2050");
  ASSERT_EQ(c->nfs.exports.size(), 2u);
  auto exports = ExportsFromConfig(c->nfs);
  ASSERT_TRUE(exports.ok());
  const Export& media = (*exports)[0];
  EXPECT_EQ(media.share, "media");
  EXPECT_TRUE(media.rules.read_only);
  EXPECT_EQ(media.rules.squash, Squash::kAll);
  EXPECT_EQ(media.rules.anonuid, 1000u);
  EXPECT_TRUE(media.rules.Allows("10.9.8.7"));
  EXPECT_TRUE(media.rules.Allows("::1"));
  EXPECT_FALSE(media.rules.Allows("192.168.0.1"));
  const Export& home = (*exports)[1];
  EXPECT_FALSE(home.rules.read_only);
  EXPECT_EQ(home.rules.squash, Squash::kRoot);  // the default
  EXPECT_EQ(home.rules.anonuid, 65534u);
}

TEST(NfsConfig, RejectsBadExportsNamingTheKey) {
  struct Case {
    const char* yaml;
    const char* key;
  } cases[] = {
      {"nfs:\n  exports:\n    - share: a\n", "nfs.exports[0]: missing 'networks'"},
      {"nfs:\n  exports:\n    - networks: [10.0.0.0/8]\n", "nfs.exports[0]: missing 'share'"},
      {"nfs:\n  exports:\n    - share: a\n      networks: [1.0.0.0/8]\n      squash: nope\n", "nfs.exports[0].squash"},
      {"nfs:\n  exports:\n    - share: a\n      networks: [1.0.0.0/8]\n      access: rw\n", "nfs.exports[0].access"},
      {"nfs:\n  exports:\n    - share: a\n      networks: [1.0.0.0/8]\n      colour: red\n", "nfs.exports[0].colour"},
      {"nfs:\n  exports:\n    - share: a\n      networks: 1.0.0.0/8\n", "nfs.exports[0].networks"},
      {"nfs:\n  exports:\n    - share: a\n      networks: [1.0.0.0/8]\n      anonuid: -1\n", "nfs.exports[0].anonuid"},
      {"nfs:\n  exports: {a: 1}\n", "nfs.exports"},
      {"nfs:\n  listen: nowhere\n", "nfs.listen"},
      {"nfs:\n  exports:\n    - {share: a, networks: [1.0.0.0/8]}\n    - {share: a, networks: [1.0.0.0/8]}\n",
       "exported twice"},
  };
  for (const auto& c : cases) {
    auto r = Parse(c.yaml);
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_EQ(r.status().code(), Code::kConfigInvalid);
    EXPECT_NE(r.status().message().find(c.key), std::string::npos) << r.status().message();
  }
}

TEST(NfsConfig, MalformedNetworkIsACleanErrorWhenServing) {
  auto c = Parse("nfs:\n  exports:\n    - share: a\n      networks: [10.0.0.0/40]\n");
  ASSERT_TRUE(c.ok());
  auto exports = ExportsFromConfig(c->nfs);
  ASSERT_FALSE(exports.ok());
  EXPECT_EQ(exports.status().code(), Code::kConfigInvalid);
}

TEST(NfsConfig, RenderedConfigParsesBack) {
  Config c;
  c.storage.path = "/tmp/x";
  c.api.admin_token = "0123456789abcdef0123";
  c.nfs.enabled = true;
  c.nfs.portmap = true;
  c.nfs.listen = "127.0.0.1:2049";
  auto back = ParseConfig(RenderConfig(c), "config.yaml", "/tmp");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->nfs.enabled);
  EXPECT_EQ(back->nfs.listen, "127.0.0.1:2049");
  EXPECT_TRUE(back->nfs.portmap);
}

}  // namespace
}  // namespace nasd::nfs
