// The S3 credential chain: explicit keys, environment, shared file.
#include "chunk/s3/credentials.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "testutil/temp_dir.h"

namespace nasd::chunk::s3 {
namespace {

class CredentialsTest : public ::testing::Test {
 protected:
  EnvLookup Env() {
    return [this](const char* name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }
  void WriteFile(const std::string& text) {
    std::ofstream(dir_.Sub("credentials")) << text;
    env_["AWS_SHARED_CREDENTIALS_FILE"] = dir_.Sub("credentials");
  }
  testutil::TempDir dir_;
  std::map<std::string, std::string> env_{{"HOME", "/nonexistent-home"}};
};

TEST_F(CredentialsTest, ExplicitKeysWin) {
  env_["AWS_ACCESS_KEY_ID"] = "ENVID";
  env_["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  auto c = ResolveCredentials({"FLAGID", "flagsecret", ""}, Env());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key, "FLAGID");
  EXPECT_EQ(ResolveCredentials({"FLAGID", "", ""}, Env()).status().code(), Code::kInvalidArgument);
}

TEST_F(CredentialsTest, EnvironmentBeforeFile) {
  WriteFile("[default]\naws_access_key_id = FILEID\naws_secret_access_key = filesecret\n");
  env_["AWS_ACCESS_KEY_ID"] = "ENVID";
  env_["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  env_["AWS_SESSION_TOKEN"] = "envtoken";
  auto c = ResolveCredentials({}, Env());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key, "ENVID");
  EXPECT_EQ(c->secret_key, "envsecret");
  EXPECT_EQ(c->session_token, "envtoken");
}

TEST_F(CredentialsTest, SharedFileDefaultAndNamedProfile) {
  WriteFile("# comment\n[default]\naws_access_key_id = FILEID\naws_secret_access_key = filesecret\n\n"
            "[work]\naws_access_key_id=WORKID\naws_secret_access_key=worksecret\naws_session_token = tok\n");
  auto c = ResolveCredentials({}, Env());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key, "FILEID");
  EXPECT_EQ(c->session_token, "");
  env_["AWS_PROFILE"] = "work";
  c = ResolveCredentials({}, Env());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key, "WORKID");
  EXPECT_EQ(c->secret_key, "worksecret");
  EXPECT_EQ(c->session_token, "tok");
  env_["AWS_PROFILE"] = "absent";
  EXPECT_EQ(ResolveCredentials({}, Env()).status().code(), Code::kFailedPrecondition);
}

TEST_F(CredentialsTest, MissingEverywhereNamesTheSources) {
  auto c = ResolveCredentials({}, Env());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(c.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_NE(c.status().message().find("/nonexistent-home/.aws/credentials"), std::string::npos);
}

TEST_F(CredentialsTest, MalformedFileIsAnErrorWithoutSecrets) {
  WriteFile("[default]\naws_access_key_id = FILEID\nthis line is wrong\naws_secret_access_key = filesecret\n");
  auto c = ResolveCredentials({}, Env());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kConfigInvalid);
  EXPECT_NE(c.status().message().find(":3:"), std::string::npos) << c.status().message();
  WriteFile("[default]\naws_secret_access_key = filesecret\n");
  c = ResolveCredentials({}, Env());
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(c.status().message().find("filesecret"), std::string::npos);
}

}  // namespace
}  // namespace nasd::chunk::s3
