#include "webdav/dav_path.h"

#include <gtest/gtest.h>

namespace nasd::webdav {
namespace {

TEST(DavPathTest, ParsesSegments) {
  auto p = ParseDavPath("a/b c/");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->segments, (std::vector<std::string>{"a", "b c"}));
  EXPECT_EQ(p->Key(), "a/b c");
  EXPECT_TRUE(ParseDavPath("")->is_root());
}

TEST(DavPathTest, RefusesEscapes) {
  EXPECT_FALSE(ParseDavPath("..").ok());
  EXPECT_FALSE(ParseDavPath("a/../b").ok());
  EXPECT_FALSE(ParseDavPath("./a").ok());
  EXPECT_FALSE(ParseDavPath("a//b").ok());
  // Only one trailing '/' is a collection's (found by dav_parsers_fuzz: "a//"
  // and "a///" were read as "a").
  EXPECT_FALSE(ParseDavPath("a//").ok());
  EXPECT_FALSE(ParseDavPath("a///").ok());
  EXPECT_FALSE(ParseDavPath("/").ok());
  EXPECT_FALSE(ParseDavPath("/a").ok());
  EXPECT_EQ(ParseDavPath("a/")->Key(), "a");
  EXPECT_FALSE(ParseDavPath(std::string("a\0b", 3)).ok());
  auto longname = ParseDavPath(std::string(256, 'x'));
  ASSERT_FALSE(longname.ok());
  EXPECT_EQ(ToHttpStatus(longname.status().code()), 400);
  EXPECT_TRUE(ParseDavPath(std::string(255, 'x')).ok());
  std::string huge;
  for (int i = 0; i < 500; ++i) huge += "abcdefghij/";
  EXPECT_FALSE(ParseDavPath(huge).ok());
}

TEST(DavPathTest, HrefEncodes) {
  auto p = ParseDavPath("a b/€&<");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(Href("s", *p, false), "/dav/s/a%20b/%E2%82%AC%26%3C");
  EXPECT_EQ(Href("s", DavPath{}, false), "/dav/s/");
  EXPECT_EQ(Href("s", *p, true), "/dav/s/a%20b/%E2%82%AC%26%3C/");
}

TEST(DavPathTest, ParsesDestinationUrls) {
  auto u = ParseDavUrl("http://127.0.0.1:8080/dav/s/a%20b/c");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->authority, "127.0.0.1:8080");
  EXPECT_EQ(u->share, "s");
  EXPECT_EQ(u->path.Key(), "a b/c");
  auto p = ParseDavUrl("/dav/s/x/");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->authority, "");
  EXPECT_EQ(p->path.Key(), "x");
  EXPECT_EQ(ParseDavUrl("http://h/other/x").status().code(), Code::kCrossDevice);
  EXPECT_EQ(ParseDavUrl("http://h/dav/s/../../etc").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseDavUrl("/dav/s/%2e%2e/x").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseDavUrl("/dav/s/a%2fb").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseDavUrl("/dav/s/a%00b").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseDavUrl(std::string_view("/dav/a\0b/c", 10)).status().code(), Code::kInvalidArgument);
}

TEST(DavPathTest, Within) {
  DavPath a{{"a"}};
  DavPath ab{{"a", "b"}};
  EXPECT_TRUE(ab.IsWithin(a));
  EXPECT_TRUE(a.IsWithin(a));
  EXPECT_FALSE(a.IsWithin(ab));
  EXPECT_TRUE(a.IsWithin(DavPath{}));
  EXPECT_FALSE(DavPath{{"ab"}}.IsWithin(a));
}

}  // namespace
}  // namespace nasd::webdav
