#include "webdav/xml.h"

#include <gtest/gtest.h>

namespace nasd::webdav {
namespace {

TEST(XmlTest, ParsesNamespacesAndText) {
  auto root = ParseXml(
      R"(<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><x:a xmlns:x="urn:x">v</x:a></D:prop></D:propfind>)");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_TRUE(root->Is("DAV:", "propfind"));
  const XmlNode* prop = root->Child("DAV:", "prop");
  ASSERT_NE(prop, nullptr);
  ASSERT_EQ(prop->Elements().size(), 1u);
  EXPECT_TRUE(prop->Elements()[0]->Is("urn:x", "a"));
  EXPECT_EQ(prop->Elements()[0]->Text(), "v");
}

TEST(XmlTest, RefusesDoctypeAndEntities) {
  EXPECT_FALSE(ParseXml(R"(<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>)").ok());
  auto lol = ParseXml(R"(<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>)");
  ASSERT_FALSE(lol.ok());
  EXPECT_EQ(lol.status().code(), Code::kInvalidArgument);
  EXPECT_NE(lol.status().message().find("DOCTYPE"), std::string::npos);
  EXPECT_FALSE(ParseXml(R"(<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>)").ok());
}

TEST(XmlTest, RefusesMalformedEmptyDeepAndLarge) {
  EXPECT_FALSE(ParseXml("<a><b></a>").ok());
  EXPECT_FALSE(ParseXml("").ok());
  EXPECT_FALSE(ParseXml("<a>&undefined;</a>").ok());
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  for (int i = 0; i < 100; ++i) deep += "</a>";
  auto d = ParseXml(deep);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("deeply"), std::string::npos);
  XmlLimits small;
  small.max_bytes = 10;
  EXPECT_FALSE(ParseXml("<abcdefghijk/>", small).ok());
  std::string many = "<a>";
  for (int i = 0; i < 30000; ++i) many += "<b/>";
  many += "</a>";
  EXPECT_FALSE(ParseXml(many).ok());
}

TEST(XmlTest, SerializeIsSelfContained) {
  auto root = ParseXml(
      R"(<p:x xmlns:p="urn:p" xmlns:q="urn:q" q:attr="1&amp;"><p:y>t&lt;</p:y><z/></p:x>)");
  ASSERT_TRUE(root.ok());
  std::string s = SerializeXml(*root);
  auto again = ParseXml(s);
  ASSERT_TRUE(again.ok()) << s;
  EXPECT_TRUE(again->Is("urn:p", "x"));
  ASSERT_EQ(again->attrs.size(), 1u);
  EXPECT_EQ(again->attrs[0].ns, "urn:q");
  EXPECT_EQ(again->attrs[0].value, "1&");
  EXPECT_EQ(again->Elements()[0]->Text(), "t<");
  EXPECT_TRUE(again->Elements()[1]->Is("", "z"));
}

// Found by dav_parsers_fuzz: a tab or newline in an attribute value came back
// as a space, and an element in the xml namespace was written with that
// namespace as the default, which no parser accepts.
TEST(XmlTest, SerializeKeepsAttributeWhitespaceAndXmlNamespace) {
  auto root = ParseXml(R"(<a xmlns="urn:a" b="x&#9;y&#10;z&#13;"><xml:c><d/></xml:c></a>)");
  ASSERT_TRUE(root.ok());
  std::string s = SerializeXml(*root);
  auto again = ParseXml(s);
  ASSERT_TRUE(again.ok()) << s << ": " << again.status().ToString();
  ASSERT_EQ(again->attrs.size(), 1u);
  EXPECT_EQ(again->attrs[0].value, "x\ty\nz\r");
  const XmlNode* c = again->Child("http://www.w3.org/XML/1998/namespace", "c");
  ASSERT_NE(c, nullptr) << s;
  ASSERT_EQ(c->Elements().size(), 1u);
  EXPECT_TRUE(c->Elements()[0]->Is("urn:a", "d")) << s;
}

}  // namespace
}  // namespace nasd::webdav
