#include <gtest/gtest.h>

#include "common/config.h"

namespace nasd {
namespace {

constexpr char kBase[] = "storage:\n  path: /srv/nasd\n";

Result<Config> Parse(const std::string& yaml) { return ParseConfig(kBase + yaml, "config.yaml", "/etc"); }

std::string ErrorOf(const std::string& yaml) {
  auto r = Parse(yaml);
  EXPECT_FALSE(r.ok()) << yaml;
  return r.ok() ? "" : r.status().message();
}

TEST(SmbConfigTest, DefaultsAreOffOn445WithSmb2To3) {
  auto c = Parse("");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->smb.enabled);
  EXPECT_EQ(c->smb.listen, "0.0.0.0:445");
  EXPECT_EQ(c->smb.signing, "default");
  EXPECT_EQ(c->smb.encryption, "if_required");
  EXPECT_EQ(c->smb.min_protocol, "SMB2_10");
  EXPECT_EQ(c->smb.max_protocol, "SMB3_11");
  EXPECT_TRUE(c->smb.shares.empty());
}

TEST(SmbConfigTest, ParsesEveryKey) {
  auto c = Parse(R"(smb:
  enabled: true
  listen: 127.0.0.1:4455
  signing: mandatory
  encryption: required
  min_protocol: SMB3_00
  max_protocol: SMB3_02
  shares:
    - name: Media
      share: media
      read_only: true
      guest_ok: true
      browseable: false
      oplocks: false
    - name: docs
)");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->smb.enabled);
  EXPECT_EQ(c->smb.listen, "127.0.0.1:4455");
  EXPECT_EQ(c->smb.signing, "mandatory");
  EXPECT_EQ(c->smb.encryption, "required");
  EXPECT_EQ(c->smb.min_protocol, "SMB3_00");
  EXPECT_EQ(c->smb.max_protocol, "SMB3_02");
  ASSERT_EQ(c->smb.shares.size(), 2u);
  EXPECT_EQ(c->smb.shares[0].name, "Media");
  EXPECT_EQ(c->smb.shares[0].share, "media");
  EXPECT_TRUE(c->smb.shares[0].read_only);
  EXPECT_TRUE(c->smb.shares[0].guest_ok);
  EXPECT_FALSE(c->smb.shares[0].browseable);
  EXPECT_FALSE(c->smb.shares[0].oplocks);
  EXPECT_EQ(c->smb.shares[1].share, "docs");  // defaults to the SMB name
  EXPECT_FALSE(c->smb.shares[1].read_only);
  EXPECT_FALSE(c->smb.shares[1].guest_ok);
  EXPECT_TRUE(c->smb.shares[1].browseable);
  EXPECT_TRUE(c->smb.shares[1].oplocks);
}

TEST(SmbConfigTest, ErrorsNameTheKey) {
  auto has = [](const std::string& msg, const std::string& part) {
    return msg.find(part) != std::string::npos;
  };
  EXPECT_TRUE(has(ErrorOf("smb:\n  enabled: maybe\n"), "smb.enabled"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  listen: 445\n"), "smb.listen"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  listen: 127.0.0.1:0\n"), "needs a port"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  signing: auto\n"), "smb.signing: 'auto' is not one of default, mandatory, disabled"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  encryption: yes\n"), "smb.encryption"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  min_protocol: NT1\n"), "smb.min_protocol: 'NT1' is not one of SMB2_10"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  min_protocol: SMB3_11\n  max_protocol: SMB2_10\n"), "newer than"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  colour: blue\n"), "unknown key 'smb.colour'"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  shares: docs\n"), "smb.shares: expected a list"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  shares: [docs]\n"), "smb.shares[0]: expected a mapping"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  shares:\n    - share: docs\n"), "smb.shares[0]: missing 'name'"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  shares:\n    - name: a\n    - name: b b\n"), "smb.shares[1]: SMB share name 'b b'"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  shares:\n    - name: .hidden\n"), "not starting with a dot"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  shares:\n    - name: IPC$\n"), "reserved"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  shares:\n    - name: Global\n"), "reserved"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  shares:\n    - name: x\n      share: a$\n"), "not a valid nasd share name"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  shares:\n    - name: Docs\n    - name: docs\n"), "used twice"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  shares:\n    - name: d\n      read_only: sometimes\n"),
                  "smb.shares[0].read_only: expected true or false"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  shares:\n    - name: d\n      oplocks: no\n"),
                  "smb.shares[0].oplocks: expected true or false, got 'no'"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  shares:\n    - name: d\n      guest: true\n"), "unknown key 'smb.shares[0].guest'"));
  EXPECT_TRUE(has(ErrorOf("smb:\n  shares:\n    - name: d\n      browseable: [1]\n"), "expected a single value"));
}

TEST(SmbConfigTest, RenderedConfigRoundTrips) {
  Config c;
  c.storage.path = "/data";
  c.api.admin_token = "0123456789abcdef0123";
  c.smb.enabled = true;
  c.smb.listen = "127.0.0.1:4455";
  c.smb.signing = "disabled";
  c.smb.encryption = "desired";
  c.smb.min_protocol = "SMB3_02";
  auto back = ParseConfig(RenderConfig(c), "config.yaml", "/");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->smb.enabled);
  EXPECT_EQ(back->smb.listen, c.smb.listen);
  EXPECT_EQ(back->smb.signing, "disabled");
  EXPECT_EQ(back->smb.encryption, "desired");
  EXPECT_EQ(back->smb.min_protocol, "SMB3_02");
  EXPECT_EQ(back->smb.max_protocol, "SMB3_11");
}

}  // namespace
}  // namespace nasd
