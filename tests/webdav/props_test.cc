#include "webdav/props.h"

#include <gtest/gtest.h>

namespace nasd::webdav {
namespace {

TEST(PropsTest, DeadPropXattrRoundTrip) {
  PropName p{"http://example.com/ns@x", "author"};
  std::string x = DeadPropXattr(p);
  EXPECT_TRUE(x.starts_with("user.dav."));
  EXPECT_EQ(ParseDeadPropXattr(x), p);
  EXPECT_EQ(ParseDeadPropXattr(DeadPropXattr({"", "plain"})), (PropName{"", "plain"}));
  EXPECT_FALSE(ParseDeadPropXattr("user.other"));
}

TEST(PropsTest, LiveProps) {
  ResourceView v;
  v.attr.type = vfs::FileType::kRegular;
  v.attr.size = 42;
  v.name = "a.txt";
  v.share = "s";
  auto len = RenderLiveProp({"DAV:", "getcontentlength"}, v);
  ASSERT_TRUE(len);
  EXPECT_EQ(*len, "<D:getcontentlength>42</D:getcontentlength>");
  EXPECT_NE(RenderLiveProp({"DAV:", "getcontenttype"}, v)->find("text/plain"), std::string::npos);
  v.attr.type = vfs::FileType::kDirectory;
  EXPECT_FALSE(RenderLiveProp({"DAV:", "getcontentlength"}, v));
  EXPECT_NE(RenderLiveProp({"DAV:", "resourcetype"}, v)->find("<D:collection/>"),
            std::string::npos);
  EXPECT_FALSE(RenderLiveProp({"urn:x", "resourcetype"}, v));
}

}  // namespace
}  // namespace nasd::webdav
