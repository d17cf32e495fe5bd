#include "smb/smb_conf.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "smb/process.h"
#include "testutil/temp_dir.h"

namespace nasd::smb {
namespace {

SmbConfig Config(std::string listen = "127.0.0.1:4455") {
  SmbConfig c;
  c.enabled = true;
  c.listen = std::move(listen);
  c.signing = "mandatory";
  c.encryption = "desired";
  c.min_protocol = "SMB3_00";
  return c;
}

SmbShareAccess Share(std::string name, std::vector<std::string> rw, std::vector<std::string> ro) {
  SmbShareAccess a;
  a.share.name = name;
  a.share.share = name;
  a.path = "/srv/nasd/smb/mnt/" + name;
  a.read_write = std::move(rw);
  a.read_only = std::move(ro);
  return a;
}

// The value of key in section, as Samba would read it ("" if absent).
std::string Value(const std::string& conf, const std::string& section, const std::string& key) {
  std::istringstream in(conf);
  std::string current;
  for (std::string line; std::getline(in, line);) {
    if (line.size() > 2 && line.front() == '[') {
      current = line.substr(1, line.size() - 2);
    } else if (current == section && line.rfind("\t" + key + " = ", 0) == 0) {
      return line.substr(key.size() + 4);
    }
  }
  return "";
}

TEST(SmbConfTest, GlobalKeepsEverythingUnderTheLayout) {
  SmbLayout layout("/srv/nasd");
  auto conf = RenderSmbConf(Config(), layout, {Share("docs", {"alice"}, {})});
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  EXPECT_EQ(Value(*conf, "global", "smb ports"), "4455");
  EXPECT_EQ(Value(*conf, "global", "interfaces"), "127.0.0.1");
  EXPECT_EQ(Value(*conf, "global", "bind interfaces only"), "yes");
  EXPECT_EQ(Value(*conf, "global", "disable netbios"), "yes");
  EXPECT_EQ(Value(*conf, "global", "server min protocol"), "SMB3_00");
  EXPECT_EQ(Value(*conf, "global", "server max protocol"), "SMB3_11");
  EXPECT_EQ(Value(*conf, "global", "server signing"), "mandatory");
  EXPECT_EQ(Value(*conf, "global", "server smb encrypt"), "desired");
  for (const char* key : {"lock directory", "state directory", "cache directory", "pid directory", "private dir",
                          "ncalrpc dir", "binddns dir", "log file"}) {
    EXPECT_EQ(Value(*conf, "global", key).rfind("/srv/nasd/smb/", 0), 0u) << key;
  }
  EXPECT_EQ(Value(*conf, "global", "passdb backend"), "smbpasswd:/srv/nasd/smb/private/smbpasswd");
  EXPECT_EQ(Value(*conf, "global", "map to guest"), "Never");
  EXPECT_EQ(Value(*conf, "global", "load printers"), "no");
}

TEST(SmbConfTest, WildcardAddressBindsEverywhere) {
  auto conf = RenderSmbConf(Config("0.0.0.0:445"), SmbLayout("/srv"), {});
  ASSERT_TRUE(conf.ok());
  EXPECT_EQ(Value(*conf, "global", "smb ports"), "445");
  EXPECT_EQ(Value(*conf, "global", "interfaces"), "");
  EXPECT_EQ(Value(*conf, "global", "bind interfaces only"), "");
}

TEST(SmbConfTest, SharesFollowGrantsAndShowScheduledSnapshots) {
  SmbShareAccess media = Share("media", {}, {});
  media.share.guest_ok = true;
  media.share.read_only = true;
  media.share.browseable = false;
  media.share.oplocks = false;
  auto conf = RenderSmbConf(Config(), SmbLayout("/srv/nasd"),
                            {Share("docs", {"carol", "alice"}, {"bob"}), media, Share("empty", {}, {})});
  ASSERT_TRUE(conf.ok());
  EXPECT_EQ(Value(*conf, "docs", "path"), "/srv/nasd/smb/mnt/docs");
  EXPECT_EQ(Value(*conf, "docs", "valid users"), "alice bob carol");
  EXPECT_EQ(Value(*conf, "docs", "read list"), "bob");
  EXPECT_EQ(Value(*conf, "docs", "read only"), "no");
  EXPECT_EQ(Value(*conf, "docs", "guest ok"), "no");
  EXPECT_EQ(Value(*conf, "docs", "store dos attributes"), "yes");
  EXPECT_EQ(Value(*conf, "docs", "vfs objects"), "shadow_copy2");
  EXPECT_EQ(Value(*conf, "docs", "shadow:snapdir"), ".snapshots");
  EXPECT_EQ(Value(*conf, "docs", "shadow:mountpoint"), "/srv/nasd/smb/mnt/docs");
  EXPECT_EQ(Value(*conf, "docs", "shadow:format"), "-%Y-%m-%dT%H:%M:%SZ");
  EXPECT_EQ(Value(*conf, "media", "guest ok"), "yes");
  EXPECT_EQ(Value(*conf, "media", "read only"), "yes");
  EXPECT_EQ(Value(*conf, "media", "browseable"), "no");
  EXPECT_EQ(Value(*conf, "media", "oplocks"), "no");
  EXPECT_EQ(Value(*conf, "media", "level2 oplocks"), "no");
  EXPECT_EQ(Value(*conf, "docs", "oplocks"), "") << "Samba's default (on) unless the share turns them off";
  EXPECT_EQ(Value(*conf, "media", "valid users"), "nobody");
  EXPECT_EQ(Value(*conf, "global", "map to guest"), "Bad User");
  // Nobody granted: an empty "valid users" would admit everyone.
  EXPECT_EQ(Value(*conf, "empty", "valid users"), "");
  EXPECT_EQ(Value(*conf, "empty", "available"), "no");
}

TEST(SmbConfTest, RefusesValuesSmbConfCannotCarry) {
  EXPECT_EQ(RenderSmbConf(Config(), SmbLayout("/srv/a\nb"), {}).status().code(), Code::kInvalidArgument);
  SmbShareAccess bad = Share("docs", {"alice"}, {});
  bad.path = "/srv/x\\";
  EXPECT_EQ(RenderSmbConf(Config(), SmbLayout("/srv"), {bad}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(RenderSmbConf(Config("nohost"), SmbLayout("/srv"), {}).status().code(), Code::kInvalidArgument);
}

TEST(SmbConfTest, SambaParsesTheFileWithoutComplaint) {
  testutil::TempDir dir;
  SmbShareAccess guest = Share("pub", {}, {});
  guest.share.guest_ok = true;
  guest.share.oplocks = false;
  SmbLayout layout(dir.str());
  ASSERT_TRUE(CreateLayout(layout).ok());
  auto conf = RenderSmbConf(Config(), layout, {Share("docs", {"alice"}, {"bob"}), guest});
  ASSERT_TRUE(conf.ok());
  const std::string path = dir.Sub("smb.conf");
  std::ofstream(path) << *conf;
  auto r = smb::Run({"testparm", "-s", "--debuglevel=1", path});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->succeeded()) << r->output;
  EXPECT_EQ(r->output.find("Unknown parameter"), std::string::npos) << r->output;
  EXPECT_EQ(r->output.find("Ignoring"), std::string::npos) << r->output;
  EXPECT_EQ(r->output.find("WARNING"), std::string::npos) << r->output;
  EXPECT_NE(r->output.find("[docs]"), std::string::npos) << r->output;
}

}  // namespace
}  // namespace nasd::smb
