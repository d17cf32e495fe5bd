#include "common/config.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "testutil/temp_dir.h"

namespace nasd {
namespace {

constexpr char kMinimal[] = "storage:\n  path: /srv/nasd\n";

Result<Config> Parse(const std::string& yaml) { return ParseConfig(yaml, "config.yaml", "/etc/nasd"); }

std::string ErrorOf(const std::string& yaml) {
  auto r = Parse(yaml);
  EXPECT_FALSE(r.ok()) << yaml;
  EXPECT_EQ(r.status().code(), Code::kConfigInvalid);
  return r.status().message();
}

TEST(ConfigTest, MinimalConfigGetsDefaults) {
  auto c = Parse(kMinimal);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->storage.path, "/srv/nasd");
  EXPECT_EQ(c->storage.backend, "local");
  EXPECT_EQ(c->storage.block_size, 4u << 20);
  EXPECT_EQ(c->api.listen, "127.0.0.1:8080");
  EXPECT_EQ(c->http.header_timeout.count(), 10000);
}

TEST(ConfigTest, RelativePathResolvesAgainstConfigFolder) {
  auto c = Parse("storage:\n  path: ./data\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->storage.path, "/etc/nasd/data");
}

// Found by config_fuzz: "////" was loaded as "///".
TEST(ConfigTest, StoragePathKeepsNoTrailingSlash) {
  EXPECT_EQ(Parse("storage:\n  path: ////\n")->storage.path, "/");
  EXPECT_EQ(Parse("storage:\n  path: /srv//nasd//\n")->storage.path, "/srv/nasd");
  EXPECT_EQ(Parse("storage:\n  path: data/\n")->storage.path, "/etc/nasd/data");
}

TEST(ConfigTest, ErrorsNameTheKey) {
  EXPECT_NE(ErrorOf("storage:\n  pathh: /x\n").find("unknown key 'storage.pathh'"), std::string::npos);
  EXPECT_NE(ErrorOf("bogus: 1\nstorage:\n  path: /x\n").find("unknown key 'bogus'"), std::string::npos);
  EXPECT_NE(ErrorOf("api:\n  listen: 127.0.0.1:8080\n").find("missing required key 'storage.path'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("storage:\n  path: /x\n  block_size: lots\n").find("storage.block_size"),
            std::string::npos);
  EXPECT_NE(ErrorOf("storage:\n  path: /x\n  block_size: 3MiB\n").find("power of two"), std::string::npos);
  EXPECT_NE(ErrorOf("storage:\n  path: /x\n  block_size: 64KiB\n").find("power of two between"),
            std::string::npos);  // blocks must exceed the 64 KiB inline limit
  EXPECT_NE(ErrorOf("storage:\n  path: /x\n  write_buffer: much\n").find("storage.write_buffer"),
            std::string::npos);
  EXPECT_NE(ErrorOf("storage:\n  path: /x\nwebdav:\n  sendfile: maybe\n").find("webdav.sendfile"),
            std::string::npos);
  EXPECT_NE(ErrorOf("storage:\n  path: [a, b]\n").find("storage.path"), std::string::npos);
  EXPECT_NE(ErrorOf("storage: 5\n").find("storage"), std::string::npos);
  EXPECT_NE(ErrorOf("storage:\n  path: /x\nhttp:\n  max_connections: many\n").find("http.max_connections"),
            std::string::npos);
  EXPECT_NE(ErrorOf("storage:\n  path: /x\napi:\n  listen: nohost\n").find("api.listen"), std::string::npos);
  EXPECT_NE(ErrorOf("storage:\n  path: /x\napi:\n  admin_token: short\n").find("api.admin_token"),
            std::string::npos);
  EXPECT_NE(ErrorOf("storage:\n  path: /x\nlog:\n  level: loud\n").find("log.level"), std::string::npos);
  EXPECT_NE(ErrorOf("storage:\n  path: /x\n  backend: s4\n").find("storage.backend"), std::string::npos);
  EXPECT_NE(ErrorOf("storage: {path: /x\n").find("config.yaml"), std::string::npos);  // YAML syntax
  EXPECT_NE(ErrorOf("").find("storage.path"), std::string::npos);
  EXPECT_NE(ErrorOf("- a\n- b\n").find("top level"), std::string::npos);
}

// A list or mapping used as a key is refused with the item's name (found by
// config_fuzz: in a list item it threw YAML::TypedBadConversion and nasd
// aborted).
TEST(ConfigTest, NonStringKeysAreRefusedNotThrown) {
  const std::string base = std::string(kMinimal);
  EXPECT_EQ(ErrorOf(base + "snapshots:\n  schedules:\n    - {[a]: b}\n"),
            "config.yaml: snapshots.schedules[0]: keys must be strings");
  EXPECT_EQ(ErrorOf(base + "nfs:\n  exports:\n    - {share: s, {a: 1}: b}\n"),
            "config.yaml: nfs.exports[0]: keys must be strings");
  EXPECT_EQ(ErrorOf(base + "smb:\n  shares:\n    - {? [x]}\n"),
            "config.yaml: smb.shares[0]: keys must be strings");
  EXPECT_EQ(ErrorOf(base + "http:\n  [a, b]: 1\n"), "config.yaml: http: keys must be strings");
  EXPECT_EQ(ErrorOf("[a]: 1\n" + base), "config.yaml: top level: keys must be strings");
}

TEST(ConfigTest, RenderedConfigRoundTrips) {
  Config c;
  c.storage.path = "/data/with \"quotes\" and \\ slash";
  c.storage.block_size = 1u << 20;
  c.storage.write_buffer = 64u << 20;
  c.storage.block_cache = 32u << 20;
  c.api.listen = "127.0.0.1:9999";
  c.api.admin_token = "0123456789abcdef0123";
  c.http.header_timeout = std::chrono::milliseconds(2500);
  c.log.format = "json";
  auto back = Parse(RenderConfig(c));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->storage.path, c.storage.path);
  EXPECT_EQ(back->storage.block_size, c.storage.block_size);
  EXPECT_EQ(back->storage.write_buffer, c.storage.write_buffer);
  EXPECT_EQ(back->storage.block_cache, c.storage.block_cache);
  EXPECT_EQ(back->api.listen, c.api.listen);
  EXPECT_EQ(back->api.admin_token, c.api.admin_token);
  EXPECT_EQ(back->http.header_timeout, c.http.header_timeout);
  EXPECT_EQ(back->log.format, "json");
}

constexpr char kMaintenance[] =
    "storage:\n  path: /x\ngc:\n  grace: 10m\n  interval: 30s\nscrub:\n  rate: 8MiB\n  interval: 6h\n"
    "snapshots:\n  visible: true\n  schedules:\n"
    "    - {share: docs, label: hourly, every: 1h, keep: 24}\n"
    "    - share: docs\n      label: daily\n      every: 1d\n      keep: 7\n"
    "    - {share: media, label: hourly, every: 2h, keep: 3}\n";

TEST(ConfigTest, MaintenanceSectionsParse) {
  auto c = Parse(kMaintenance);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->gc.grace, std::chrono::minutes(10));
  EXPECT_EQ(c->gc.interval, std::chrono::seconds(30));
  EXPECT_EQ(c->scrub.rate, 8u << 20);
  EXPECT_EQ(c->scrub.interval, std::chrono::hours(6));
  EXPECT_TRUE(c->snapshots.visible);
  ASSERT_EQ(c->snapshots.schedules.size(), 3u);
  EXPECT_EQ(c->snapshots.schedules[1].share, "docs");
  EXPECT_EQ(c->snapshots.schedules[1].schedule,
            (SnapshotSchedule{"daily", std::chrono::hours(24), 7}));
  EXPECT_EQ(c->snapshots.schedules[2].schedule.every, std::chrono::hours(2));

  auto d = Parse(kMinimal);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->gc.grace, std::chrono::hours(1));
  EXPECT_EQ(d->gc.interval, std::chrono::minutes(1));
  EXPECT_EQ(d->scrub.rate, 32u << 20);
  EXPECT_EQ(d->scrub.interval, std::chrono::hours(24));
  EXPECT_TRUE(d->snapshots.schedules.empty());
  EXPECT_FALSE(d->snapshots.visible);
}

TEST(ConfigTest, MaintenanceErrorsAreExact) {
  const std::string base = kMinimal;
  EXPECT_NE(ErrorOf(base + "gc:\n  grace: soon\n").find("gc.grace"), std::string::npos);
  EXPECT_NE(ErrorOf(base + "gc:\n  interval: 0s\n").find("gc.interval: must be greater than 0"),
            std::string::npos);
  EXPECT_NE(ErrorOf(base + "scrub:\n  rate: fast\n").find("scrub.rate"), std::string::npos);
  EXPECT_NE(ErrorOf(base + "scrub:\n  speed: 1MiB\n").find("unknown key 'scrub.speed'"), std::string::npos);
  EXPECT_NE(ErrorOf(base + "snapshots:\n  visible: yes\n").find("snapshots.visible: expected true or false"),
            std::string::npos);
  const std::string s = base + "snapshots:\n  schedules:\n";
  EXPECT_NE(ErrorOf(s + "    - {share: docs, label: hourly, every: 1h}\n")
                .find("snapshots.schedules[0]: missing 'keep'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(s + "    - {share: docs, label: Hourly, every: 1h, keep: 1}\n")
                .find("snapshots.schedules[0]: schedule label 'Hourly' must be 1-16 of a-z 0-9"),
            std::string::npos);
  EXPECT_NE(ErrorOf(s + "    - {share: docs, label: fast, every: 30s, keep: 1}\n").find("snapshots.schedules[0]"),
            std::string::npos);
  EXPECT_NE(ErrorOf(s + "    - {share: docs, label: h, every: 1h, keep: 0}\n").find("must keep at least 1"),
            std::string::npos);
  EXPECT_NE(ErrorOf(s + "    - {share: docs, label: h, every: 1h, keep: 1, when: now}\n")
                .find("unknown key 'snapshots.schedules[0].when'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(s + "    - {share: docs, label: h, every: 1h, keep: 1}\n"
                        "    - {share: docs, label: h, every: 1d, keep: 1}\n")
                .find("snapshots.schedules[1]: share 'docs': schedule label 'h' is used twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf(s + "    hourly\n").find("snapshots.schedules: expected a list"), std::string::npos);
}

TEST(ConfigTest, RenderedMaintenanceRoundTrips) {
  auto c = Parse(kMaintenance);
  ASSERT_TRUE(c.ok());
  c->api.admin_token = "0123456789abcdef0123";
  auto back = Parse(RenderConfig(*c));
  ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << RenderConfig(*c);
  EXPECT_EQ(back->gc.grace, c->gc.grace);
  EXPECT_EQ(back->scrub.rate, c->scrub.rate);
  EXPECT_EQ(back->scrub.interval, c->scrub.interval);
  EXPECT_TRUE(back->snapshots.visible);
  ASSERT_EQ(back->snapshots.schedules.size(), 3u);
  EXPECT_EQ(back->snapshots.schedules[1].schedule, c->snapshots.schedules[1].schedule);
  EXPECT_EQ(back->snapshots.schedules[2].share, "media");
  Config plain;
  plain.storage.path = "/x";
  plain.api.admin_token = c->api.admin_token;
  auto defaults = Parse(RenderConfig(plain));
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  EXPECT_TRUE(defaults->snapshots.schedules.empty());
}

constexpr char kS3[] =
    "storage:\n  path: /x\n  backend: s3\n  s3:\n    endpoint: https://s3.example.test:9000\n"
    "    bucket: chunks\n    prefix: vol1/\n    path_style: true\n    access_key: AKID\n"
    "    secret_key: hush-hush\n    concurrency: 16\n    timeout: 5s\n    deadline: 1m\n    read_cache: 1GiB\n";

TEST(ConfigTest, S3SectionParses) {
  auto c = Parse(kS3);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->storage.backend, "s3");
  EXPECT_EQ(c->storage.s3.endpoint, "https://s3.example.test:9000");
  EXPECT_EQ(c->storage.s3.region, "us-east-1");
  EXPECT_EQ(c->storage.s3.bucket, "chunks");
  EXPECT_EQ(c->storage.s3.prefix, "vol1/");
  EXPECT_TRUE(c->storage.s3.path_style);
  EXPECT_EQ(c->storage.s3.access_key, "AKID");
  EXPECT_EQ(c->storage.s3.secret_key, "hush-hush");
  EXPECT_EQ(c->storage.s3.concurrency, 16);
  EXPECT_EQ(c->storage.s3.timeout.count(), 5000);
  EXPECT_EQ(c->storage.s3.deadline.count(), 60000);
  EXPECT_EQ(c->storage.s3.read_cache, 1ULL << 30);
  auto local = Parse(kMinimal);
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->storage.s3.deadline.count(), 60000);
}

TEST(ConfigTest, S3SectionIsStrictAndNeverEchoesSecrets) {
  const std::string base = "storage:\n  path: /x\n  backend: s3\n  s3:\n    endpoint: http://h:1\n    bucket: b\n";
  EXPECT_NE(ErrorOf(base + "    bogus: 1\n").find("unknown key 'storage.s3.bogus'"), std::string::npos);
  EXPECT_NE(ErrorOf(base + "    path_style: yes-please\n").find("storage.s3.path_style"), std::string::npos);
  EXPECT_NE(ErrorOf(base + "    concurrency: 0\n").find("storage.s3.concurrency"), std::string::npos);
  EXPECT_NE(ErrorOf(base + "    timeout: 0s\n").find("storage.s3.timeout"), std::string::npos);
  EXPECT_NE(ErrorOf(base + "    read_cache: lots\n").find("storage.s3.read_cache"), std::string::npos);
  EXPECT_NE(ErrorOf(base + "    region: \"\"\n").find("storage.s3.region"), std::string::npos);
  EXPECT_NE(ErrorOf("storage:\n  path: /x\n  backend: s3\n  s3:\n    endpoint: ftp://h\n    bucket: b\n")
                .find("storage.s3.endpoint"),
            std::string::npos);
  EXPECT_NE(ErrorOf("storage:\n  path: /x\n  backend: s3\n  s3:\n    bucket: b\n").find("storage.s3.endpoint"),
            std::string::npos);
  EXPECT_NE(ErrorOf("storage:\n  path: /x\n  backend: s3\n  s3:\n    endpoint: http://h:1\n")
                .find("storage.s3.bucket"),
            std::string::npos);
  std::string err = ErrorOf(base + "    secret_key: hush-hush\n");
  EXPECT_NE(err.find("go together"), std::string::npos) << err;
  for (const std::string& yaml : {base + "    secret_key: [hush-hush]\n", base + "    secret_key: hush-hush\n",
                                  base + "    session_token: {a: hush-hush}\n"}) {
    EXPECT_EQ(ErrorOf(yaml).find("hush-hush"), std::string::npos) << yaml;
  }
}

TEST(ConfigTest, RenderedS3ConfigRoundTrips) {
  auto c = Parse(kS3);
  ASSERT_TRUE(c.ok());
  c->storage.s3.session_token = "tok\"en";
  c->storage.s3.ca_file = "/etc/ssl/my ca.pem";
  c->api.admin_token = "0123456789abcdef0123";
  const std::string text = RenderConfig(*c);
  auto back = Parse(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << text;
  const S3Config& a = c->storage.s3;
  const S3Config& b = back->storage.s3;
  EXPECT_EQ(b.endpoint, a.endpoint);
  EXPECT_EQ(b.region, a.region);
  EXPECT_EQ(b.bucket, a.bucket);
  EXPECT_EQ(b.prefix, a.prefix);
  EXPECT_EQ(b.path_style, a.path_style);
  EXPECT_EQ(b.access_key, a.access_key);
  EXPECT_EQ(b.secret_key, a.secret_key);
  EXPECT_EQ(b.session_token, a.session_token);
  EXPECT_EQ(b.ca_file, a.ca_file);
  EXPECT_EQ(b.concurrency, a.concurrency);
  EXPECT_EQ(b.timeout, a.timeout);
  EXPECT_EQ(b.deadline, a.deadline);
  EXPECT_EQ(b.read_cache, a.read_cache);
  c->storage.s3.access_key.clear();
  c->storage.s3.secret_key.clear();
  EXPECT_EQ(RenderConfig(*c).find("secret_key"), std::string::npos) << "no credentials, no keys";
  c->storage.backend = "local";
  EXPECT_EQ(RenderConfig(*c).find("s3:"), std::string::npos);
}

TEST(ConfigTest, LoadReportsUnreadableFile) {
  testutil::TempDir dir;
  auto r = LoadConfig(dir.Sub("missing.yaml"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nasd init"), std::string::npos);
  std::ofstream(dir.Sub("c.yaml")) << "storage:\n  path: data\n";
  auto ok = LoadConfig(dir.Sub("c.yaml"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->storage.path, dir.Sub("data"));
}

TEST(ConfigTest, ParsesHostPort) {
  EXPECT_EQ(ParseHostPort("127.0.0.1:8080")->port, 8080);
  EXPECT_EQ(ParseHostPort("[::1]:9000")->host, "::1");
  EXPECT_FALSE(ParseHostPort("127.0.0.1").ok());
  EXPECT_FALSE(ParseHostPort("127.0.0.1:70000").ok());
  EXPECT_FALSE(ParseHostPort(":80").ok());
  EXPECT_FALSE(ParseHostPort("h:8x").ok());
}

}  // namespace
}  // namespace nasd
