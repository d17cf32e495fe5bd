#include "http/router.h"

#include <gtest/gtest.h>

namespace nasd::http {
namespace {

Handler Named(std::string name) {
  return [name](Request&) { return Response::Text(200, name); };
}

std::string Call(const RouteMatch& m) {
  Request req;
  return (*m.handler)(req).body;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/", Named("root"));
    router_.Add("GET", "/api/v1/shares", Named("list"));
    router_.Add("POST", "/api/v1/shares", Named("create"));
    router_.Add("GET", "/api/v1/shares/{name}", Named("get"));
    router_.Add("DELETE", "/api/v1/shares/{name}", Named("delete"));
    router_.Add("GET", "/api/v1/shares/_health", Named("health"));
    router_.Add("GET", "/api/v1/shares/{name}/snapshots/{snap}", Named("snap"));
    router_.Add("PUT", "/dav/{path...}", Named("dav-put"), {.max_body_bytes = 77});
    router_.Add("HEAD", "/explicit", Named("explicit-head"));
    router_.Add("GET", "/explicit", Named("explicit-get"));
  }
  Router router_;
};

TEST_F(RouterTest, LiteralAndCaptures) {
  EXPECT_EQ(Call(router_.Match("GET", "/")), "root");
  EXPECT_EQ(Call(router_.Match("GET", "/api/v1/shares")), "list");
  EXPECT_EQ(Call(router_.Match("POST", "/api/v1/shares")), "create");
  RouteMatch m = router_.Match("GET", "/api/v1/shares/docs");
  EXPECT_EQ(Call(m), "get");
  EXPECT_EQ(m.params, (std::map<std::string, std::string>{{"name", "docs"}}));
  m = router_.Match("GET", "/api/v1/shares/docs/snapshots/daily");
  EXPECT_EQ(Call(m), "snap");
  EXPECT_EQ(m.params, (std::map<std::string, std::string>{{"name", "docs"}, {"snap", "daily"}}));
}

TEST_F(RouterTest, LiteralBeatsCapture) {
  EXPECT_EQ(Call(router_.Match("GET", "/api/v1/shares/_health")), "health");
}

TEST_F(RouterTest, RestCapture) {
  RouteMatch m = router_.Match("PUT", "/dav/a/b/c.txt");
  EXPECT_EQ(Call(m), "dav-put");
  EXPECT_EQ(m.params.at("path"), "a/b/c.txt");
  EXPECT_EQ(m.options->max_body_bytes, 77u);
  EXPECT_EQ(router_.Match("PUT", "/dav").params.at("path"), "");
  EXPECT_EQ(router_.Match("PUT", "/dav/").params.at("path"), "");
}

TEST_F(RouterTest, NotFound) {
  for (const char* path : {"/nope", "/api/v1", "/api/v1/shares/a/b", "/api/v1/shares/",
                           "", "api/v1/shares", "//"}) {
    RouteMatch m = router_.Match("GET", path);
    EXPECT_EQ(m.error_status, 404) << path;
    EXPECT_EQ(m.handler, nullptr) << path;
  }
}

TEST_F(RouterTest, MethodNotAllowedListsAllow) {
  RouteMatch m = router_.Match("PATCH", "/api/v1/shares/docs");
  EXPECT_EQ(m.error_status, 405);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.allow, "DELETE, GET, HEAD");
  m = router_.Match("DELETE", "/api/v1/shares");
  EXPECT_EQ(m.error_status, 405);
  EXPECT_EQ(m.allow, "GET, HEAD, POST");
}

TEST_F(RouterTest, HeadFallsBackToGetUnlessExplicit) {
  RouteMatch m = router_.Match("HEAD", "/api/v1/shares/docs");
  EXPECT_EQ(m.error_status, 0);
  EXPECT_EQ(Call(m), "get");
  EXPECT_EQ(Call(router_.Match("HEAD", "/explicit")), "explicit-head");
  EXPECT_EQ(router_.Match("HEAD", "/dav/x").error_status, 405);
}

TEST_F(RouterTest, MetricNameIsThePatternNotThePath) {
  EXPECT_EQ(router_.Match("GET", "/api/v1/shares/docs").metric_name, "/api/v1/shares/{name}");
  Router r;
  r.Add("GET", "/x/{id}", Named("x"), {.metric_name = "x_by_id"});
  EXPECT_EQ(r.Match("GET", "/x/42").metric_name, "x_by_id");
  EXPECT_EQ(r.Match("GET", "/nope").metric_name, "");
}

TEST(RouterDeathTest, RejectsBadRoutes) {
  Router r;
  r.Add("GET", "/a/{id}", Named("a"));
  EXPECT_DEATH(r.Add("GET", "/a/{other}", Named("b")), "registered twice");
  EXPECT_DEATH(r.Add("GET", "no-slash", Named("b")), "must start with");
  EXPECT_DEATH(r.Add("get", "/b", Named("b")), "upper case");
  EXPECT_DEATH(r.Add("GET", "/{rest...}/x", Named("b")), "must be last");
  EXPECT_DEATH(r.Add("GET", "/x{y}", Named("b")), "bad segment");
  EXPECT_DEATH(r.Add("GET", "/{a}/{a}", Named("b")), "repeated");
  EXPECT_DEATH(r.Add("GET", "/c", nullptr), "empty handler");
}

}  // namespace
}  // namespace nasd::http
