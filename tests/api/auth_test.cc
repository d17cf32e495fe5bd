// The authenticators, called directly on requests.
#include <gtest/gtest.h>

#include "api/api.h"
#include "kv/mem/mem_engine.h"

namespace nasd::api {
namespace {

constexpr char kAdmin[] = "admin-token-0123456789";

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(users_.Add("alice", "pa:ss word", 1000, 1000).ok()); }

  // Runs the UserAuthenticator on a request with this Authorization header
  // (none if nullptr); returns whether it was accepted and leaves it in req_.
  bool Auth(const char* header) {
    req_ = http::Request{};
    if (header != nullptr) req_.headers.Set("authorization", header);
    return auth_(req_);
  }

  std::unique_ptr<kv::KvEngine> kv_ = kv::NewMemEngine();
  meta::UserStore users_{*kv_, meta::UserStoreOptions{meta::PasswordCost::Minimum(), {}}};
  std::function<bool(http::Request&)> auth_ = UserAuthenticator(kAdmin, users_);
  http::Request req_;
};

TEST_F(AuthenticatorTest, AcceptsAGoodBasicLogin) {
  // base64("alice:pa:ss word"): the password may contain ':' (RFC 7617).
  EXPECT_TRUE(Auth("Basic YWxpY2U6cGE6c3Mgd29yZA=="));
  EXPECT_EQ(req_.user, "alice");
  EXPECT_FALSE(req_.admin);
  EXPECT_TRUE(Auth("basic YWxpY2U6cGE6c3Mgd29yZA=="));  // the scheme is case-insensitive
  EXPECT_TRUE(Auth("BASIC  YWxpY2U6cGE6c3Mgd29yZA== "));
  EXPECT_EQ(users_.verify_stats().hashes, 1u);  // the repeats hit the cache
}

TEST_F(AuthenticatorTest, QuickAuthenticatorAnswersOnlyWithoutHashing) {
  auto quick = QuickUserAuthenticator(kAdmin, users_);
  auto run = [&](const char* header) {
    req_ = http::Request{};
    if (header != nullptr) req_.headers.Set("authorization", header);
    return quick(req_);
  };
  EXPECT_EQ(run("Bearer admin-token-0123456789"), std::optional<bool>(true));
  EXPECT_TRUE(req_.admin);
  EXPECT_EQ(run(nullptr), std::optional<bool>(false));
  EXPECT_EQ(run("Basic !!!!"), std::optional<bool>(false));
  // Not yet cached: the full authenticator must decide (it hashes).
  EXPECT_EQ(run("Basic YWxpY2U6cGE6c3Mgd29yZA=="), std::nullopt);
  // Wrong passwords and unknown users always go to the full check, so their
  // timing matches a first login.
  EXPECT_EQ(run("Basic YWxpY2U6d3Jvbmc="), std::nullopt);
  EXPECT_EQ(run("Basic Ym9iOnBhOnNzIHdvcmQ="), std::nullopt);
  EXPECT_EQ(users_.verify_stats().hashes, 0u);
  EXPECT_TRUE(Auth("Basic YWxpY2U6cGE6c3Mgd29yZA=="));  // hashes once, caches
  EXPECT_EQ(run("Basic YWxpY2U6cGE6c3Mgd29yZA=="), std::optional<bool>(true));
  EXPECT_EQ(req_.user, "alice");
  EXPECT_FALSE(req_.admin);
  EXPECT_EQ(run("Basic YWxpY2U6d3Jvbmc="), std::nullopt);
  EXPECT_EQ(users_.verify_stats().hashes, 1u);
  // A changed password is never answered from the cache.
  ASSERT_TRUE(users_.SetPassword("alice", "new password").ok());
  EXPECT_EQ(run("Basic YWxpY2U6cGE6c3Mgd29yZA=="), std::nullopt);
}

TEST_F(AuthenticatorTest, RefusesBadBasicLogins) {
  for (const char* bad : {
           "Basic YWxpY2U6d3Jvbmc=",           // alice:wrong
           "Basic Ym9iOnBhOnNzIHdvcmQ=",       // bob:pa:ss word (unknown user)
           "Basic YWxpY2VwYTpzcyB3b3Jk",       // no colon after the name: "alicepa:ss word" is user
                                               // "alicepa"
           "Basic YWxpY2U=",                   // "alice": no colon at all
           "Basic YWxpY2U6",                   // "alice:": empty password
           "Basic OnBhOnNzIHdvcmQ=",           // ":pa:ss word": empty user
           "Basic YWxpY2U6cGE6c3Mgd29yZA",     // missing padding
           "Basic YWxpY2U6cGE6c3Mgd29yZA==x",  // trailing garbage
           "Basic !!!!",                       // not base64
           "Basic ",                           // nothing
           "Basic",
           "Digest username=\"alice\"",
           "YWxpY2U6cGE6c3Mgd29yZA==",  // no scheme
           "",
       }) {
    EXPECT_FALSE(Auth(bad)) << bad;
    EXPECT_TRUE(req_.user.empty()) << bad;
    EXPECT_FALSE(req_.admin) << bad;
  }
  EXPECT_FALSE(Auth(nullptr));
}

TEST_F(AuthenticatorTest, BearerAdminToken) {
  EXPECT_TRUE(Auth("Bearer admin-token-0123456789"));
  EXPECT_TRUE(req_.admin);
  EXPECT_TRUE(req_.user.empty());
  for (const char* bad :
       {"Bearer admin-token-012345678", "Bearer admin-token-0123456789x",
        "bearer admin-token-0123456789", "Bearer ", "Basic YWRtaW4tdG9rZW4tMDEyMzQ1Njc4OQ=="}) {
    EXPECT_FALSE(Auth(bad)) << bad;
    EXPECT_FALSE(req_.admin) << bad;
  }
  // A user's password is not an admin token, even if equal to it.
  ASSERT_TRUE(users_.Add("root_like", kAdmin, 1001, 1001).ok());
  EXPECT_FALSE(Auth("Bearer wrong"));
  http::Request req;
  req.headers.Set("authorization", "Bearer admin-token-0123456789");
  EXPECT_TRUE(BearerAuthenticator(kAdmin)(req));
  EXPECT_TRUE(req.admin);
}

TEST_F(AuthenticatorTest, EmptyAdminTokenAcceptsNoBearer) {
  auto auth = UserAuthenticator("", users_);
  http::Request req;
  req.headers.Set("authorization", "Bearer ");
  EXPECT_FALSE(auth(req));
  req.headers.Set("authorization", "Basic YWxpY2U6cGE6c3Mgd29yZA==");
  EXPECT_TRUE(auth(req));
  EXPECT_FALSE(req.admin);
  http::Request bearer;
  bearer.headers.Set("authorization", "Bearer ");
  EXPECT_FALSE(BearerAuthenticator("")(bearer));
}

TEST_F(AuthenticatorTest, StoreFailureRefuses) {
  ASSERT_TRUE(kv_->Close().ok());
  EXPECT_FALSE(Auth("Basic YWxpY2U6cGE6c3Mgd29yZA=="));
  EXPECT_TRUE(req_.user.empty());
}

}  // namespace
}  // namespace nasd::api
