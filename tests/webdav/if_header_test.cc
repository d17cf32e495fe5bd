#include "webdav/if_header.h"

#include <gtest/gtest.h>

namespace nasd::webdav {
namespace {

const DavPath kPath{{"a"}};

TEST(IfHeaderTest, ParsesUntaggedAndTagged) {
  auto h = ParseIfHeader("(<opaquelocktoken:1> [\"e1\"]) (Not <DAV:no-lock>)");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->lists.size(), 2u);
  EXPECT_FALSE(h->lists[0].tag);
  EXPECT_EQ(h->lists[0].conditions.size(), 2u);
  EXPECT_TRUE(h->lists[0].conditions[1].is_etag);
  EXPECT_EQ(h->lists[0].conditions[1].value, "\"e1\"");
  EXPECT_TRUE(h->lists[1].conditions[0].negate);
  EXPECT_EQ(h->Tokens(), (std::vector<std::string>{"opaquelocktoken:1", "DAV:no-lock"}));

  auto t = ParseIfHeader("<http://h/dav/s/a> (<opaquelocktoken:1>) <http://h/dav/s/b> ([\"x\"])");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->lists.size(), 2u);
  EXPECT_EQ(*t->lists[1].tag, "http://h/dav/s/b");
}

TEST(IfHeaderTest, RefusesMalformed) {
  for (const char* bad : {"", "(", "()", "(<x>", "<http://h/x>", "(Not)", "(foo)",
                          "(<a>) <http://h/> (<b>)", "([\"e\")"}) {
    EXPECT_FALSE(ParseIfHeader(bad).ok()) << bad;
  }
  std::string many = "(";
  for (int i = 0; i < 1000; ++i) many += "<t> ";
  many += ")";
  EXPECT_FALSE(ParseIfHeader(many).ok());
}

TEST(IfHeaderTest, Evaluates) {
  ResourceState st{"\"e1\"", {"opaquelocktoken:1"}};
  auto holds = [&](std::string_view h) { return IfHeaderHolds(*ParseIfHeader(h), "s", kPath, st); };
  EXPECT_TRUE(holds("(<opaquelocktoken:1>)"));
  EXPECT_FALSE(holds("(<opaquelocktoken:2>)"));
  EXPECT_TRUE(holds("(<opaquelocktoken:2>) (<opaquelocktoken:1>)"));
  EXPECT_FALSE(holds("(<DAV:no-lock>)"));
  EXPECT_TRUE(holds("(Not <DAV:no-lock>)"));
  EXPECT_TRUE(holds("(<opaquelocktoken:1> [\"e1\"])"));
  EXPECT_FALSE(holds("(<opaquelocktoken:1> [\"e2\"])"));
  EXPECT_TRUE(holds("(Not [\"e2\"])"));
  // Tagged lists apply only to their resource.
  EXPECT_FALSE(holds("<http://h/dav/s/a> (<opaquelocktoken:2>)"));
  EXPECT_TRUE(holds("</dav/s/a/> (<opaquelocktoken:1>)"));
  EXPECT_TRUE(holds("<http://h/dav/s/other> (<opaquelocktoken:2>)"));
}

}  // namespace
}  // namespace nasd::webdav
