// /api/v1/users and /api/v1/shares/{name}/grants over a real HTTP server.
#include <gtest/gtest.h>

#include <atomic>

#include <nlohmann/json.hpp>

#include "api/api_fixture.h"

namespace nasd::api {
namespace {

using testing::ApiTest;

using Json = nlohmann::json;

class UserRoutesTest : public ApiTest {
 protected:
  Json ParseOk(const http::ClientResponse& r, int want) {
    EXPECT_EQ(r.status, want) << r.body;
    auto j = Json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j;
  }
  bool Verifies(const std::string& name, const std::string& password) {
    auto ok = users_.Verify(name, password);
    return ok.ok() && *ok;
  }
};

TEST_F(UserRoutesTest, CreateListGetDelete) {
  Json alice =
      ParseOk(Call("POST", "/api/v1/users", R"({"name":"alice","password":"s3cret-pw"})"), 201);
  EXPECT_EQ(alice["name"], "alice");
  EXPECT_EQ(alice["uid"], 10000);
  EXPECT_EQ(alice["gid"], 10000);
  ParseOk(Call("POST", "/api/v1/users", R"({"name":"bob","password":"pw","uid":1500,"gid":100})"),
          201);
  EXPECT_TRUE(Verifies("alice", "s3cret-pw"));

  auto dup = Call("POST", "/api/v1/users", R"({"name":"alice","password":"x"})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(ErrorCode(dup), "already_exists");

  auto list = Call("GET", "/api/v1/users");
  Json j = ParseOk(list, 200);
  ASSERT_EQ(j["users"].size(), 2u);
  EXPECT_EQ(j["users"][0]["name"], "alice");
  EXPECT_EQ(j["users"][1]["uid"], 1500);
  EXPECT_EQ(j["users"][1]["gid"], 100);
  // Neither passwords nor their hashes ever leave the server.
  EXPECT_EQ(list.body.find("s3cret-pw"), std::string::npos);
  EXPECT_EQ(list.body.find("argon2"), std::string::npos);
  EXPECT_EQ(list.body.find("password"), std::string::npos);
  EXPECT_FALSE(j["users"][0].contains("password_hash"));

  auto one = Call("GET", "/api/v1/users/alice");
  EXPECT_EQ(ParseOk(one, 200)["uid"], 10000);
  EXPECT_EQ(one.body.find("argon2"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/v1/users/nobody").status, 404);

  EXPECT_EQ(Call("DELETE", "/api/v1/users/alice").status, 204);
  EXPECT_EQ(Call("DELETE", "/api/v1/users/alice").status, 404);
  EXPECT_FALSE(Verifies("alice", "s3cret-pw"));
  EXPECT_EQ(ParseOk(Call("GET", "/api/v1/users"), 200)["users"].size(), 1u);
}

TEST_F(UserRoutesTest, SetsPasswords) {
  ParseOk(Call("POST", "/api/v1/users", R"({"name":"alice","password":"old"})"), 201);
  auto r = Call("PUT", "/api/v1/users/alice/password", R"({"password":"new"})");
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(Verifies("alice", "new"));
  EXPECT_FALSE(Verifies("alice", "old"));
  EXPECT_EQ(Call("PUT", "/api/v1/users/nobody/password", R"({"password":"new"})").status, 404);
  EXPECT_EQ(Call("PUT", "/api/v1/users/alice/password", R"({"password":""})").status, 400);
  EXPECT_EQ(Call("PUT", "/api/v1/users/alice/password", R"({"pass":"x"})").status, 400);
  EXPECT_TRUE(Verifies("alice", "new"));
}

TEST_F(UserRoutesTest, BadUserBodiesAreRejected) {
  for (const std::string body :
       {R"({"name":)", R"([1])", R"({})", R"({"name":"a"})", R"({"password":"pw"})",
        R"({"name":5,"password":"pw"})", R"({"name":"a","password":5})",
        R"({"name":"Alice","password":"pw"})", R"({"name":"a","password":""})",
        R"({"name":"a","password":"pw","uid":-1})", R"({"name":"a","password":"pw","uid":"7"})",
        R"({"name":"a","password":"pw","uid":0})",
        R"({"name":"a","password":"pw","gid":4294967296})",
        R"({"name":"a","password":"pw","admin":true})"}) {
    auto r = Call("POST", "/api/v1/users", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_EQ(r.body.find("\"pw\""), std::string::npos) << r.body;
  }
  auto huge =
      Call("POST", "/api/v1/users", R"({"name":"a","password":")" + std::string(1025, 'x') + "\"}");
  EXPECT_EQ(huge.status, 400);
  EXPECT_EQ(huge.body.find("xxxx"), std::string::npos);
  EXPECT_TRUE(users_.List()->empty());
}

TEST_F(UserRoutesTest, GrantsLifecycle) {
  ASSERT_EQ(Call("POST", "/api/v1/shares", R"({"name":"docs"})").status, 201);
  ParseOk(Call("POST", "/api/v1/users", R"({"name":"alice","password":"pw"})"), 201);
  ParseOk(Call("POST", "/api/v1/users", R"({"name":"bob","password":"pw"})"), 201);
  EXPECT_TRUE(ParseOk(Call("GET", "/api/v1/shares/docs/grants"), 200)["grants"].empty());

  Json g =
      ParseOk(Call("PUT", "/api/v1/shares/docs/grants/alice", R"({"access":"read-write"})"), 200);
  EXPECT_EQ(g["access"], "read-write");
  ParseOk(Call("PUT", "/api/v1/shares/docs/grants/bob", R"({"access":"read-only"})"), 200);
  Json list = ParseOk(Call("GET", "/api/v1/shares/docs/grants"), 200);
  EXPECT_EQ(list["share"], "docs");
  ASSERT_EQ(list["grants"].size(), 2u);
  EXPECT_EQ(list["grants"][0], (Json{{"user", "alice"}, {"access", "read-write"}}));
  EXPECT_EQ(list["grants"][1], (Json{{"user", "bob"}, {"access", "read-only"}}));
  auto share = shares_.Get("docs");
  ASSERT_TRUE(share.ok());
  EXPECT_EQ(*users_.Access(share->id, "bob"), meta::ShareAccess::kReadOnly);

  EXPECT_EQ(Call("DELETE", "/api/v1/shares/docs/grants/bob").status, 204);
  auto again = Call("DELETE", "/api/v1/shares/docs/grants/bob");
  EXPECT_EQ(again.status, 404);
  EXPECT_NE(again.body.find("no grant"), std::string::npos) << again.body;
  EXPECT_EQ(*users_.Access(share->id, "bob"), meta::ShareAccess::kNone);

  // 404s: unknown share, unknown user.
  EXPECT_EQ(Call("GET", "/api/v1/shares/nope/grants").status, 404);
  EXPECT_EQ(Call("PUT", "/api/v1/shares/nope/grants/alice", R"({"access":"read-only"})").status,
            404);
  EXPECT_EQ(Call("PUT", "/api/v1/shares/docs/grants/nobody", R"({"access":"read-only"})").status,
            404);
  EXPECT_EQ(Call("DELETE", "/api/v1/shares/nope/grants/alice").status, 404);
  // 400s: bad access, bad body, bad user name.
  for (const std::string body : {R"({"access":"write"})", R"({"access":"none"})", R"({"access":1})",
                                 R"({})", R"({"access":"read-only","x":1})", R"({"access":)"}) {
    EXPECT_EQ(Call("PUT", "/api/v1/shares/docs/grants/alice", body).status, 400) << body;
  }
  EXPECT_EQ(Call("PUT", "/api/v1/shares/docs/grants/Bad", R"({"access":"read-only"})").status, 400);

  // Deleting the user, then the share, takes the grants along.
  EXPECT_EQ(Call("DELETE", "/api/v1/users/alice").status, 204);
  EXPECT_TRUE(ParseOk(Call("GET", "/api/v1/shares/docs/grants"), 200)["grants"].empty());
  ParseOk(Call("PUT", "/api/v1/shares/docs/grants/bob", R"({"access":"read-only"})"), 200);
  EXPECT_EQ(Call("DELETE", "/api/v1/shares/docs").status, 204);
  EXPECT_TRUE(users_.ListGrants(share->id)->empty());
}

TEST_F(UserRoutesTest, UserRoutesNeedTheToken) {
  EXPECT_EQ(Call("GET", "/api/v1/users", "", false).status, 401);
  EXPECT_EQ(Call("POST", "/api/v1/users", R"({"name":"a","password":"pw"})", false).status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/shares/docs/grants", "", false).status, 401);
  EXPECT_TRUE(users_.List()->empty());
}

// With the authenticator WebDAV uses, a user's valid Basic login is still
// refused by the management API: only the admin token administers.
class UserLoginTest : public UserRoutesTest {
 protected:
  bool UseUserAuthenticator() const override { return true; }
};

TEST_F(UserLoginTest, BasicUsersCannotAdminister) {
  ASSERT_TRUE(users_.Add("alice", "pw", 1000, 1000).ok());
  authorization_ = "Basic YWxpY2U6cHc=";  // alice:pw
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/api/v1/users"},
                                                        {"GET", "/api/v1/shares"},
                                                        {"GET", "/api/v1/status"},
                                                        {"DELETE", "/api/v1/users/alice"},
                                                        {"GET", "/api/v1/shares/docs/grants"}}) {
    auto r = Call(method, target);
    EXPECT_EQ(r.status, 403) << method << " " << target;
    EXPECT_EQ(ErrorCode(r), "permission_denied");
  }
  EXPECT_EQ(Call("POST", "/api/v1/users", R"({"name":"mallory","password":"pw"})").status, 403);
  authorization_ = "Basic YWxpY2U6d3Jvbmc=";  // alice:wrong
  EXPECT_EQ(Call("GET", "/api/v1/users").status, 401);
  authorization_ = std::string("Bearer ") + testing::kToken;
  EXPECT_EQ(Call("GET", "/api/v1/users").status, 200);
  EXPECT_TRUE(users_.Get("alice")->has_value());
  EXPECT_FALSE(users_.Get("mallory")->has_value());
}

}  // namespace
}  // namespace nasd::api

namespace nasd::api::testing {
namespace {

class AccountHooksTest : public ApiTest {
 protected:
  void SetUp() override {
    ctx_.accounts_changed = [this] { ++changes_; };
    ctx_.services = [this] {
      return std::vector<ServiceReport>{
          {"smb", smb_ready_, smb_ready_ ? R"({"state":"running","pid":42})" : R"({"state":"restarting","pid":0})"}};
    };
    ApiTest::SetUp();
  }
  std::atomic<int> changes_{0};
  std::atomic<bool> smb_ready_{true};
};

TEST_F(AccountHooksTest, EveryUserGrantAndShareChangeIsAnnounced) {
  EXPECT_EQ(Call("POST", "/api/v1/shares", R"({"name":"s"})").status, 201);
  EXPECT_EQ(changes_, 1);
  EXPECT_EQ(Call("POST", "/api/v1/users", R"({"name":"alice","password":"pw-1"})").status, 201);
  EXPECT_EQ(changes_, 2);
  EXPECT_EQ(Call("PUT", "/api/v1/users/alice/password", R"({"password":"pw-2"})").status, 204);
  EXPECT_EQ(changes_, 3);
  EXPECT_EQ(Call("PUT", "/api/v1/shares/s/grants/alice", R"({"access":"read-only"})").status, 200);
  EXPECT_EQ(changes_, 4);
  EXPECT_EQ(Call("DELETE", "/api/v1/shares/s/grants/alice").status, 204);
  EXPECT_EQ(changes_, 5);
  EXPECT_EQ(Call("DELETE", "/api/v1/users/alice").status, 204);
  EXPECT_EQ(changes_, 6);
  EXPECT_EQ(Call("DELETE", "/api/v1/shares/s").status, 204);
  EXPECT_EQ(changes_, 7);
  // Failed changes and reads announce nothing.
  EXPECT_EQ(Call("POST", "/api/v1/users", R"({"name":"Bad Name","password":"pw"})").status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/users").status, 200);
  EXPECT_EQ(changes_, 7);
  // The NT hash kept for SMB is never sent.
  EXPECT_EQ(Call("POST", "/api/v1/users", R"({"name":"bob","password":"pw-1"})").body.find("hash"),
            std::string::npos);
  EXPECT_EQ(Call("GET", "/api/v1/users/bob").body.find("hash"), std::string::npos);
}

TEST_F(AccountHooksTest, ReadyzAndStatusReportServices) {
  auto ready = Call("GET", "/readyz", "", /*auth=*/false);
  EXPECT_EQ(ready.status, 200);
  auto body = nlohmann::json::parse(ready.body);
  EXPECT_EQ(body["services"]["smb"]["state"], "running");
  EXPECT_EQ(body["services"]["smb"]["pid"], 42);
  smb_ready_ = false;
  auto not_ready = Call("GET", "/readyz", "", false);
  EXPECT_EQ(not_ready.status, 503);
  body = nlohmann::json::parse(not_ready.body);
  EXPECT_EQ(body["status"], "not_ready");
  EXPECT_EQ(body["reason"], "smb is not ready");
  EXPECT_EQ(body["services"]["smb"]["state"], "restarting");
  auto status = nlohmann::json::parse(Call("GET", "/api/v1/status").body);
  EXPECT_EQ(status["smb"]["state"], "restarting");
}

}  // namespace
}  // namespace nasd::api::testing
