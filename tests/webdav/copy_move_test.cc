// COPY and MOVE through the handlers: Overwrite and Depth, and partial
// failure of a collection (RFC 4918 9.8.3, 9.9.2): the members that can go
// go, and a 207 names exactly the ones that could not.
#include <gtest/gtest.h>

#include "webdav/handlers_fixture.h"

namespace nasd::webdav {
namespace {

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size()))
    ++n;
  return n;
}

std::string Response(const std::string& href, const std::string& status) {
  return "<D:response><D:href>" + href + "</D:href><D:status>HTTP/1.1 " + status;
}

class CopyMoveTest : public HandlersTest {
 protected:
  // Makes each entry below /dav/s/: "name/" a collection, anything else a
  // file with these bytes.
  void Make(const std::vector<std::pair<std::string, std::string>>& entries) {
    for (const auto& [name, bytes] : entries) {
      const bool dir = name.ends_with('/');
      const std::string path = "/dav/s/" + (dir ? name.substr(0, name.size() - 1) : name);
      EXPECT_EQ(Call(dir ? "MKCOL" : "PUT", path, {}, bytes).status, 201) << path;
    }
  }

  // An exclusive depth-0 lock on path held by bob.
  void LockByBob(const std::string& path) {
    user_ = "bob";
    EXPECT_EQ(Call("LOCK", path, {{"depth", "0"}}, kLockBody).status, 200) << path;
    user_ = "alice";
  }

  // r is a 207 naming href with status and nothing else.
  static void ExpectOnlyFailure(const http::Response& r, const std::string& href,
                                const std::string& status) {
    ASSERT_EQ(r.status, 207) << r.body;
    EXPECT_EQ(Count(r.body, "<D:response>"), 1u) << r.body;
    EXPECT_NE(r.body.find(Response(href, status)), std::string::npos) << r.body;
  }
};

TEST_F(CopyMoveTest, OverwriteAndDepth) {
  ASSERT_EQ(Call("MKCOL", "/dav/s/d").status, 201);
  ASSERT_EQ(Call("PUT", "/dav/s/d/f", {}, "x").status, 201);
  EXPECT_EQ(Call("COPY", "/dav/s/d", {{"destination", "/dav/s/e"}, {"depth", "0"}}).status, 201);
  EXPECT_EQ(Call("GET", "/dav/s/e/f").status, 404) << "depth 0 copies the collection only";
  EXPECT_EQ(Call("COPY", "/dav/s/d", {{"destination", "/dav/s/e"}, {"overwrite", "F"}}).status,
            412);
  EXPECT_EQ(Call("COPY", "/dav/s/d", {{"destination", "/dav/s/e"}}).status, 204);
  EXPECT_EQ(Get("/dav/s/e/f"), "x");
  EXPECT_EQ(Call("MOVE", "/dav/s/e/f", {{"destination", "http://h/dav/s/g"}, {"host", "h"}}).status,
            201);
  EXPECT_EQ(Get("/dav/s/g"), "x");
  EXPECT_EQ(Call("MOVE", "/dav/s/d", {{"destination", "/dav/s/d/sub"}}).status, 403);
  EXPECT_EQ(Call("MOVE", "/dav/s/g", {{"destination", "/dav/other/g"}}).status, 403);
  EXPECT_EQ(Call("MOVE", "/dav/s/g", {{"destination", "/elsewhere/g"}}).status, 502);
  EXPECT_EQ(Call("COPY", "/dav/s/d/f", {{"destination", "/dav/s/d"}}).status, 403)
      << "overwriting an ancestor would delete the source first";
  EXPECT_EQ(Get("/dav/s/d/f"), "x");
}

TEST_F(CopyMoveTest, CollectionsWithoutFailuresAre201And204) {
  Make({{"d/", ""}, {"d/sub/", ""}, {"d/sub/f", "f"}, {"old/", ""}, {"old/stale", "stale"}});
  http::Response copied = Call("COPY", "/dav/s/d", {{"destination", "/dav/s/e"}});
  EXPECT_EQ(copied.status, 201) << copied.body;
  EXPECT_EQ(Get("/dav/s/e/sub/f"), "f");
  http::Response moved = Call("MOVE", "/dav/s/e", {{"destination", "/dav/s/old"}});
  EXPECT_EQ(moved.status, 204) << moved.body;
  EXPECT_EQ(Get("/dav/s/old/sub/f"), "f");
  EXPECT_EQ(Call("GET", "/dav/s/old/stale").status, 404)
      << "the overwritten collection is replaced";
  EXPECT_EQ(Call("GET", "/dav/s/e/").status, 404) << "the source is gone";
  EXPECT_EQ(Call("MOVE", "/dav/s/old", {{"destination", "/dav/s/new"}}).status, 201);
  EXPECT_EQ(Get("/dav/s/new/sub/f"), "f");
}

TEST_F(CopyMoveTest, CopySkipsAnUnreadableMemberAndReportsIt) {
  caller_ = vfs::Caller{1000, 1000, {}};
  Make({{"d/", ""}, {"d/sub/", ""}});
  std::string big;
  for (int i = 0; i < 300; ++i) big += std::string(1000, static_cast<char>('a' + i % 26));
  const std::vector<std::pair<std::string, std::string>> files{
      {"a", big}, {"empty", ""}, {"secret", "hidden"}, {"z", "last"}, {"sub/c", "deep"}};
  for (const auto& [name, bytes] : files) Make({{"d/" + name, bytes}});
  ASSERT_TRUE(Chmod("d/secret", 0).ok());

  ExpectOnlyFailure(Call("COPY", "/dav/s/d", {{"destination", "/dav/s/e"}}), "/dav/s/d/secret",
                    "403 Forbidden");
  for (const auto& [name, bytes] : files) {
    if (name == "secret") continue;
    EXPECT_TRUE(Get("/dav/s/e/" + name) == bytes) << name << " differs from its source";
  }
  EXPECT_EQ(Call("GET", "/dav/s/e/secret").status, 404) << "nothing is made for the failed member";

  EXPECT_EQ(Call("COPY", "/dav/s/d", {{"destination", "/dav/s/e0"}, {"depth", "0"}}).status, 201)
      << "Depth 0 does not read the members";
  ASSERT_TRUE(Chmod("d/secret", 0644).ok());
  EXPECT_EQ(Call("COPY", "/dav/s/d", {{"destination", "/dav/s/e"}}).status, 204);
  EXPECT_EQ(Get("/dav/s/e/secret"), "hidden");
}

TEST_F(CopyMoveTest, CopySkipsAnUnreadableCollection) {
  caller_ = vfs::Caller{1000, 1000, {}};
  Make({{"d/", ""},
        {"d/closed/", ""},
        {"d/closed/f", "f"},
        {"d/blind/", ""},
        {"d/blind/g", "g"},
        {"d/open", "open"}});
  ASSERT_TRUE(Chmod("d/closed", 0300).ok());  // searchable, not listable
  ASSERT_TRUE(Chmod("d/blind", 0600).ok());   // listable, not searchable
  http::Response r = Call("COPY", "/dav/s/d", {{"destination", "/dav/s/e"}});
  ASSERT_EQ(r.status, 207) << r.body;
  EXPECT_EQ(Count(r.body, "<D:response>"), 2u) << r.body;
  EXPECT_NE(r.body.find(Response("/dav/s/d/closed/", "403 Forbidden")), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(Response("/dav/s/d/blind/", "403 Forbidden")), std::string::npos) << r.body;
  EXPECT_EQ(Get("/dav/s/e/open"), "open");
  EXPECT_EQ(Ino("e/closed"), 0u) << "an unreadable collection is not copied empty";
  EXPECT_EQ(Ino("e/blind"), 0u);
}

TEST_F(CopyMoveTest, CopyLeavesALockedDestinationMemberAndReportsIt) {
  Make({{"d/", ""},
        {"d/a", "new a"},
        {"d/b", "new b"},
        {"e/", ""},
        {"e/a", "old a"},
        {"e/x", "old x"}});
  LockByBob("/dav/s/e/a");

  http::Response r = Call("COPY", "/dav/s/d", {{"destination", "/dav/s/e"}});
  ExpectOnlyFailure(r, "/dav/s/e/a", "423 Locked");
  EXPECT_NE(r.body.find("<D:lock-token-submitted><D:href>/dav/s/e/a</D:href>"), std::string::npos)
      << r.body;
  EXPECT_EQ(Get("/dav/s/e/a"), "old a") << "a locked member is not overwritten";
  EXPECT_EQ(Get("/dav/s/e/b"), "new b");
  EXPECT_EQ(Call("GET", "/dav/s/e/x").status, 404) << "the rest of the destination was replaced";
  EXPECT_EQ(Get("/dav/s/d/a"), "new a") << "COPY leaves the source";

  LockByBob("/dav/s/e");
  http::Response whole = Call("COPY", "/dav/s/d", {{"destination", "/dav/s/e"}});
  EXPECT_EQ(whole.status, 423) << "a locked destination itself fails the whole request";
  EXPECT_EQ(Get("/dav/s/e/b"), "new b");
}

TEST_F(CopyMoveTest, MoveLeavesWhatIsLockedAndMovesTheRest) {
  Make({{"d/", ""},
        {"d/a", "new a"},
        {"d/b", "new b"},
        {"d/sub/", ""},
        {"d/sub/c", "c"},
        {"e/", ""},
        {"e/a", "old a"},
        {"e/y", "old y"}});
  LockByBob("/dav/s/e/a");

  ExpectOnlyFailure(Call("MOVE", "/dav/s/d", {{"destination", "/dav/s/e"}}), "/dav/s/e/a",
                    "423 Locked");
  EXPECT_EQ(Get("/dav/s/e/a"), "old a");
  EXPECT_EQ(Get("/dav/s/e/b"), "new b");
  EXPECT_EQ(Get("/dav/s/e/sub/c"), "c");
  EXPECT_EQ(Call("GET", "/dav/s/e/y").status, 404);
  EXPECT_EQ(Get("/dav/s/d/a"), "new a") << "a member that was not moved stays in the source";
  EXPECT_EQ(Call("GET", "/dav/s/d/b").status, 404);
  EXPECT_EQ(Ino("d/sub"), 0u);
}

TEST_F(CopyMoveTest, MoveLeavesALockedSourceMember) {
  Make({{"d/", ""}, {"d/a", "a"}, {"d/sub/", ""}, {"d/sub/b", "b"}, {"d/sub/c", "c"}});
  LockByBob("/dav/s/d/sub/b");

  ExpectOnlyFailure(Call("MOVE", "/dav/s/d", {{"destination", "/dav/s/f"}}), "/dav/s/d/sub/b",
                    "423 Locked");
  EXPECT_EQ(Get("/dav/s/f/a"), "a");
  EXPECT_EQ(Get("/dav/s/f/sub/c"), "c");
  EXPECT_EQ(Get("/dav/s/d/sub/b"), "b") << "the locked member stays where it was";
  EXPECT_EQ(Call("GET", "/dav/s/f/sub/b").status, 404);
  EXPECT_EQ(Call("GET", "/dav/s/d/a").status, 404);
  EXPECT_EQ(Call("MOVE", "/dav/s/d/sub", {{"destination", "/dav/s/g"}}).status, 207)
      << "still locked";
}

}  // namespace
}  // namespace nasd::webdav
