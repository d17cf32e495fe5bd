#include "smb/passdb.h"

#include <gtest/gtest.h>

#include "meta/nt_hash.h"

namespace nasd::smb {
namespace {

TEST(PassdbTest, SmbpasswdLinesCarryUidAndNtHashWithoutLmHash) {
  meta::UserRecord alice{"alice", 10000, 10000, "$argon2id$...", 1'700'000'000'000'000'000, meta::NtHashHex("password")};
  meta::UserRecord old{"old", 10001, 10001, "$argon2id$...", 0, ""};
  std::vector<std::string> skipped;
  std::string text = RenderSmbPasswd({alice, old}, &skipped);
  EXPECT_EQ(text,
            "alice:10000:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:8846F7EAEE8FB117AD06BDD830B7586C:[U          ]:"
            "LCT-6553F100:\n");
  EXPECT_EQ(skipped, std::vector<std::string>{"old"});
  EXPECT_EQ(text.find("argon2"), std::string::npos);
}

TEST(PassdbTest, ExistingAccountWithTheSameUidIsKept) {
  // nobody exists on every Debian system with uid 65534.
  meta::UserRecord nobody{"nobody", 65534, 65534, "", 0, ""};
  EXPECT_TRUE(EnsureUnixAccount(nobody).ok());
  nobody.uid = 65000;
  Status st = EnsureUnixAccount(nobody);
  EXPECT_EQ(st.code(), Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("has uid 65534"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace nasd::smb
