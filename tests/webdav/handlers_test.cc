// The method handlers end to end through the router, on an in-memory share:
// upload atomicity, PROPPATCH all-or-nothing, locks, grants and depth.
#include <gtest/gtest.h>

#include "webdav/handlers_fixture.h"
#include "webdav/xml.h"

namespace nasd::webdav {
namespace {

TEST_F(HandlersTest, PutCreatesThenReplaces) {
  EXPECT_EQ(Call("PUT", "/dav/s/a.txt", {}, "one").status, 201);
  EXPECT_EQ(Get("/dav/s/a.txt"), "one");
  EXPECT_EQ(Call("PUT", "/dav/s/a.txt", {}, "two!").status, 204);
  EXPECT_EQ(Get("/dav/s/a.txt"), "two!");
  EXPECT_EQ(Call("PUT", "/dav/s/missing/a.txt", {}, "x").status, 409);
}

TEST_F(HandlersTest, AbortedPutLeavesTheOldContentAndNoTrace) {
  ASSERT_EQ(Call("PUT", "/dav/s/a.txt", {}, "old").status, 201);
  std::string big(300 << 10, 'n');
  FakeBody aborted({big, big}, Unavailable("client disconnected"), 10 << 20);
  http::Response r = Call("PUT", "/dav/s/a.txt", {}, "", &aborted);
  EXPECT_GE(r.status, 400);
  EXPECT_EQ(Get("/dav/s/a.txt"), "old");
  FakeBody aborted_chunked({big}, Unavailable("client disconnected"), std::nullopt);
  EXPECT_GE(Call("PUT", "/dav/s/a.txt", {}, "", &aborted_chunked).status, 400);
  EXPECT_EQ(Get("/dav/s/a.txt"), "old") << "a chunked upload cut off is not published";
  FakeBody short_body({"abc"}, Status::Ok(), 10);
  EXPECT_GE(Call("PUT", "/dav/s/new.txt", {}, "", &short_body).status, 400);
  EXPECT_EQ(Call("GET", "/dav/s/new.txt").status, 404) << "a short body publishes nothing";
  auto listing = Call("GET", "/dav/s/", {{"accept", "application/json"}});
  EXPECT_EQ(listing.body.find("new.txt"), std::string::npos);
}

TEST_F(HandlersTest, LargePutStreamsInPieces) {
  std::deque<std::string> pieces;
  std::string all;
  for (int i = 0; i < 12; ++i) {
    pieces.push_back(std::string(256 << 10, static_cast<char>('a' + i)));
    all += pieces.back();
  }
  pieces.push_back("tail");
  all += "tail";
  FakeBody body(pieces, Status::Ok(), all.size());
  EXPECT_EQ(Call("PUT", "/dav/s/big", {}, "", &body).status, 201);
  EXPECT_EQ(Get("/dav/s/big"), all);
}

// A small file's GET takes its bytes from the path's snapshot only when no
// write to it is still buffered in the vfs (as a FUSE or NFS client leaves
// them): a completed write shows over WebDAV at once.
TEST_F(HandlersTest, GetOfASmallFileSeesWritesBufferedInTheVfs) {
  ASSERT_EQ(Call("PUT", "/dav/s/a.txt", {}, "one").status, 201);
  EXPECT_EQ(Get("/dav/s/a.txt"), "one");
  const uint64_t ino = Ino("a.txt");
  ASSERT_NE(ino, 0u);
  ASSERT_TRUE(fs_->Write(vfs::Caller::Root(), ino, 3, "+two").ok());
  EXPECT_EQ(Get("/dav/s/a.txt"), "one+two");
  // An overwrite that keeps the size: the committed bytes are whole but old.
  ASSERT_TRUE(fs_->Write(vfs::Caller::Root(), ino, 0, "ONE").ok());
  EXPECT_EQ(Get("/dav/s/a.txt"), "ONE+two");
}

// A GET plans its first bytes (a range of a file in chunks here) with the
// path's lookup, and takes them from that snapshot only when no write to
// the file is still buffered in the vfs.
TEST_F(HandlersTest, RangeGetSeesWritesBufferedInTheVfs) {
  std::string bytes(200 << 10, 'x');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>('a' + i % 26);
  ASSERT_EQ(Call("PUT", "/dav/s/big", {}, bytes).status, 201);
  auto body = [&](std::vector<std::pair<std::string, std::string>> headers) {
    http::Response r = Call("GET", "/dav/s/big", std::move(headers));
    std::string out = std::to_string(r.status) + ":";
    while (r.source) {
      auto part = r.source->Next();
      if (!part.ok() || part->empty()) break;
      out += part->bytes;
    }
    return out;
  };
  EXPECT_EQ(body({{"range", "bytes=70000-70009"}}), "206:" + bytes.substr(70000, 10));
  const uint64_t ino = Ino("big");
  ASSERT_NE(ino, 0u);
  ASSERT_TRUE(fs_->Write(vfs::Caller::Root(), ino, 70004, "WXYZ").ok());
  bytes.replace(70004, 4, "WXYZ");
  EXPECT_EQ(body({{"range", "bytes=70000-70009"}}), "206:" + bytes.substr(70000, 10));
  // An If-Range that does not match sends the whole file; two ranges, both.
  EXPECT_EQ(body({{"range", "bytes=70000-70009"}, {"if-range", "\"stale\""}}), "200:" + bytes);
  std::string two = body({{"range", "bytes=5-9,70002-70007"}});
  EXPECT_EQ(two.substr(0, 4), "206:");
  EXPECT_NE(two.find(bytes.substr(5, 5)), std::string::npos);
  EXPECT_NE(two.find(bytes.substr(70002, 6)), std::string::npos);
  EXPECT_EQ(body({{"range", "bytes=-3"}}), "206:" + bytes.substr(bytes.size() - 3));
}

// A GET that has started keeps sending the bytes it started with when the
// file is replaced and then deleted before it finishes.
TEST_F(HandlersTest, GetInProgressSurvivesReplaceAndDelete) {
  std::string old_bytes;
  for (int i = 0; i < 40; ++i) old_bytes += std::string(64 << 10, static_cast<char>('A' + i % 26));
  FakeBody body({old_bytes}, Status::Ok(), old_bytes.size());
  ASSERT_EQ(Call("PUT", "/dav/s/big", {}, "", &body).status, 201);
  http::Response r = Call("GET", "/dav/s/big");
  ASSERT_EQ(r.status, 200);
  ASSERT_TRUE(r.source);
  std::string got;
  auto first = r.source->Next();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  got += first->bytes;
  ASSERT_LT(got.size(), old_bytes.size()) << "the test needs a body of several parts";
  EXPECT_EQ(Call("PUT", "/dav/s/big", {}, "replaced").status, 204);
  EXPECT_EQ(Call("DELETE", "/dav/s/big").status, 204);
  while (true) {
    auto part = r.source->Next();
    ASSERT_TRUE(part.ok()) << part.status().ToString();
    if (part->empty()) break;
    got += part->bytes;
  }
  EXPECT_EQ(got.size(), old_bytes.size());
  EXPECT_TRUE(got == old_bytes) << "the download changed under the reader";
  r.source.reset();
  EXPECT_EQ(Call("GET", "/dav/s/big").status, 404);
}

// GET reads a file only when its mode lets the caller read it (owner, group
// or other bits; root always), as opening it for reading would.
TEST_F(HandlersTest, GetNeedsReadPermission) {
  caller_ = vfs::Caller{1000, 1000, {}};
  ASSERT_EQ(Call("PUT", "/dav/s/mine", {}, "mine").status, 201);
  ASSERT_TRUE(Chmod("mine", 0200).ok());
  EXPECT_EQ(Call("GET", "/dav/s/mine").status, 403) << "write-only for its owner";
  ASSERT_TRUE(Chmod("mine", 0400).ok());
  EXPECT_EQ(Get("/dav/s/mine"), "mine");
  ASSERT_TRUE(Chmod("mine", 0074).ok());
  EXPECT_EQ(Call("GET", "/dav/s/mine").status, 403) << "the owner's bits apply to the owner";
  caller_ = vfs::Caller{2000, 1000, {}};
  EXPECT_EQ(Get("/dav/s/mine"), "mine") << "group read";
  caller_ = vfs::Caller{2000, 2000, {}};
  EXPECT_EQ(Get("/dav/s/mine"), "mine") << "other read";
  ASSERT_TRUE(Chmod("mine", 0070).ok());
  EXPECT_EQ(Call("GET", "/dav/s/mine").status, 403);
  EXPECT_EQ(Call("HEAD", "/dav/s/mine").status, 403);
  caller_ = vfs::Caller::Root();
  EXPECT_EQ(Get("/dav/s/mine"), "mine");
}

TEST_F(HandlersTest, ReadOnlyAndHiddenShares) {
  writable_ = false;
  EXPECT_EQ(Call("PUT", "/dav/s/a.txt", {}, "x").status, 403);
  EXPECT_EQ(Call("MKCOL", "/dav/s/d").status, 403);
  EXPECT_EQ(Call("PROPFIND", "/dav/s/", {{"depth", "0"}}).status, 207);
  hidden_ = true;
  EXPECT_EQ(Call("PROPFIND", "/dav/s/", {{"depth", "0"}}).status, 404);
  EXPECT_EQ(Call("GET", "/dav/other/").status, 404);
}

TEST_F(HandlersTest, ProppatchIsAllOrNothing) {
  ASSERT_EQ(Call("PUT", "/dav/s/a.txt", {}, "x").status, 201);
  const std::string mixed =
      R"(<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z"><D:set><D:prop>)"
      R"(<Z:color>red</Z:color><D:getcontentlength>7</D:getcontentlength></D:prop></D:set></D:propertyupdate>)";
  http::Response r = Call("PROPPATCH", "/dav/s/a.txt", {}, mixed);
  ASSERT_EQ(r.status, 207);
  EXPECT_NE(r.body.find("403 Forbidden"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("424 Failed Dependency"), std::string::npos) << r.body;
  const std::string ask =
      R"(<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><Z:color xmlns:Z="urn:z"/></D:prop></D:propfind>)";
  r = Call("PROPFIND", "/dav/s/a.txt", {{"depth", "0"}}, ask);
  EXPECT_NE(r.body.find("404 Not Found"), std::string::npos) << "nothing was set: " << r.body;

  const std::string good =
      R"(<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z"><D:set><D:prop>)"
      R"(<Z:color>red</Z:color></D:prop></D:set></D:propertyupdate>)";
  ASSERT_EQ(Call("PROPPATCH", "/dav/s/a.txt", {}, good).status, 207);
  r = Call("PROPFIND", "/dav/s/a.txt", {{"depth", "0"}}, ask);
  auto doc = ParseXml(r.body);
  ASSERT_TRUE(doc.ok()) << r.body;
  EXPECT_NE(r.body.find(">red</color>"), std::string::npos) << r.body;
}

TEST_F(HandlersTest, LocksGuardWrites) {
  ASSERT_EQ(Call("PUT", "/dav/s/a.txt", {}, "x").status, 201);
  http::Response lock = Call("LOCK", "/dav/s/a.txt", {{"depth", "0"}}, kLockBody);
  ASSERT_EQ(lock.status, 200) << lock.body;
  std::string token(*lock.headers.Get("lock-token"));
  EXPECT_EQ(Call("PUT", "/dav/s/a.txt", {}, "y").status, 423);
  EXPECT_EQ(Call("DELETE", "/dav/s/a.txt").status, 423);
  EXPECT_EQ(Call("LOCK", "/dav/s/a.txt", {{"depth", "0"}}, kLockBody).status, 423);
  EXPECT_EQ(Call("PUT", "/dav/s/a.txt", {{"if", "(<opaquelocktoken:bogus>)"}}, "y").status, 412);
  user_ = "bob";
  EXPECT_EQ(Call("PUT", "/dav/s/a.txt", {{"if", "(" + token + ")"}}, "y").status, 423)
      << "another user's token";
  user_ = "alice";
  EXPECT_EQ(Call("PUT", "/dav/s/a.txt", {{"if", "(" + token + ")"}}, "y").status, 204);
  EXPECT_EQ(Call("UNLOCK", "/dav/s/a.txt", {{"lock-token", "<opaquelocktoken:bogus>"}}).status,
            409);
  user_ = "bob";
  EXPECT_EQ(Call("UNLOCK", "/dav/s/a.txt", {{"lock-token", token}}).status, 403)
      << "another user's lock";
  user_ = "alice";
  EXPECT_EQ(Call("UNLOCK", "/dav/s/a.txt", {{"lock-token", token}}).status, 204);
  EXPECT_EQ(Call("DELETE", "/dav/s/a.txt").status, 204);
}

TEST_F(HandlersTest, DeleteReportsMembersItCouldNotRemove) {
  ASSERT_EQ(Call("MKCOL", "/dav/s/d").status, 201);  // root's, 0755
  ASSERT_EQ(Call("PUT", "/dav/s/d/f", {}, "x").status, 201);
  ASSERT_EQ(Call("PUT", "/dav/s/mine", {}, "x").status, 201);
  caller_ = vfs::Caller{1000, 1000, {}};
  http::Response r = Call("DELETE", "/dav/s/d");
  ASSERT_EQ(r.status, 207) << r.body;
  EXPECT_NE(r.body.find("<D:href>/dav/s/d/f</D:href><D:status>HTTP/1.1 403 Forbidden"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(Get("/dav/s/d/f"), "x");
  EXPECT_EQ(Call("DELETE", "/dav/s/mine").status, 403) << "sticky share root: not the owner";
  EXPECT_EQ(Call("PUT", "/dav/s/mine", {}, "overwritten").status, 403)
      << "no write permission on the file";
  EXPECT_EQ(Call("PUT", "/dav/s/theirs", {}, "new").status, 201);
  caller_ = vfs::Caller::Root();
  EXPECT_EQ(Call("DELETE", "/dav/s/d").status, 204);
}

TEST_F(HandlersTest, LockOnUnmappedUrlCreatesAnEmptyFile) {
  http::Response lock = Call("LOCK", "/dav/s/new", {{"depth", "0"}}, kLockBody);
  EXPECT_EQ(lock.status, 201);
  EXPECT_EQ(Get("/dav/s/new"), "");
}

TEST_F(HandlersTest, PropfindDepth) {
  ASSERT_EQ(Call("MKCOL", "/dav/s/d").status, 201);
  ASSERT_EQ(Call("PUT", "/dav/s/d/f", {}, "x").status, 201);
  http::Response inf = Call("PROPFIND", "/dav/s/", {{"depth", "infinity"}});
  EXPECT_EQ(inf.status, 403);
  EXPECT_NE(inf.body.find("propfind-finite-depth"), std::string::npos);
  EXPECT_EQ(Call("PROPFIND", "/dav/s/", {{"depth", "2"}}).status, 400);
  http::Response one = Call("PROPFIND", "/dav/s/", {{"depth", "1"}});
  ASSERT_EQ(one.status, 207);
  EXPECT_NE(one.body.find("<D:href>/dav/s/d/</D:href>"), std::string::npos);
  EXPECT_EQ(one.body.find("/dav/s/d/f"), std::string::npos) << "depth 1 stops at children";
}

}  // namespace
}  // namespace nasd::webdav
