#include "webdav/multistatus.h"

#include <gtest/gtest.h>

#include "webdav/xml.h"

namespace nasd::webdav {
namespace {

TEST(MultistatusTest, WellFormedWithPerPropertyStatus) {
  Multistatus ms;
  ms.AddProps("/dav/s/a&b", {{200, PropElement({"DAV:", "getcontentlength"}, "5")},
                             {404, PropElement({"urn:x", "missing"})}});
  ms.AddStatus("/dav/s/c", 423);
  http::Response r = ms.Finish();
  EXPECT_EQ(r.status, 207);
  auto doc = ParseXml(r.body);
  ASSERT_TRUE(doc.ok()) << r.body;
  EXPECT_TRUE(doc->Is("DAV:", "multistatus"));
  auto responses = doc->Elements();
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0]->Child("DAV:", "href")->Text(), "/dav/s/a&b");
  auto propstats = responses[0]->Elements();
  ASSERT_EQ(propstats.size(), 3u);  // href + 2 propstats
  EXPECT_EQ(propstats[2]->Child("DAV:", "status")->Text(), "HTTP/1.1 404 Not Found");
  EXPECT_TRUE(propstats[2]->Child("DAV:", "prop")->Elements()[0]->Is("urn:x", "missing"));
  EXPECT_EQ(responses[1]->Child("DAV:", "status")->Text(), "HTTP/1.1 423 Locked");
}

}  // namespace
}  // namespace nasd::webdav
