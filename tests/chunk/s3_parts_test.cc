// The S3 backend's parts that need no server: the XML reader, the retry
// policy and the mapping of S3 error answers to Status codes.
#include <gtest/gtest.h>

#include "chunk/s3/retry_policy.h"
#include "chunk/s3/s3_client.h"
#include "chunk/s3/xml_reader.h"

namespace nasd::chunk::s3 {
namespace {

TEST(XmlReaderTest, ParsesAListingWithEntitiesAndComments) {
  auto doc = ParseXml(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hi -->"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name>"
      "<Contents><Key>a&amp;b &lt;&#x43;&#68;&gt; &quot;&apos;</Key><Size>12</Size></Contents>"
      "<Empty/><IsTruncated>false</IsTruncated></ListBucketResult>\n");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(doc->name, "ListBucketResult");
  ASSERT_NE(doc->Child("Contents"), nullptr);
  EXPECT_EQ(doc->Child("Contents")->ChildText("Key"), "a&b <CD> \"'");
  EXPECT_EQ(doc->Child("Contents")->ChildText("Size"), "12");
  EXPECT_EQ(doc->ChildText("IsTruncated"), "false");
  EXPECT_EQ(doc->ChildText("Missing"), "");
  auto utf8 = ParseXml("<K>&#xE9;&#x1F600;</K>");
  ASSERT_TRUE(utf8.ok());
  EXPECT_EQ(utf8->text, "\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(XmlReaderTest, RejectsMalformedDocumentsWithAPreciseError) {
  for (const char* bad : {"", "plain text", "<a>", "<a></b>", "<a><b></a></b>", "<a>&bogus;</a>",
                          "<a>&#0;</a>", "<a>&#xD800;</a>", "<a>&#x110000;</a>", "<a>&amp</a>",
                          "<a x=1></a>", "<a x=\"1></a>", "<a/><b/>", "<!DOCTYPE a><a/>",
                          "<a><![CDATA[x]]></a>", "<a><?pi x?></a>", "<a>text</a>trailing", "<1a/>",
                          "<a", "<a><!-- unterminated</a>"}) {
    SCOPED_TRACE(bad);
    auto doc = ParseXml(bad);
    ASSERT_FALSE(doc.ok());
    EXPECT_EQ(doc.status().code(), Code::kCorruption);
    EXPECT_NE(doc.status().message().find("XML"), std::string::npos) << doc.status().message();
  }
}

TEST(XmlReaderTest, EnforcesItsLimits) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  auto doc = ParseXml(deep);
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.status().message().find("nested too deeply"), std::string::npos);

  std::string many = "<r>";
  for (int i = 0; i < 20; ++i) many += "<c/>";
  many += "</r>";
  EXPECT_TRUE(ParseXml(many).ok());
  doc = ParseXml(many, XmlLimits{.max_bytes = 1 << 20, .max_depth = 4, .max_elements = 10});
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.status().message().find("too many elements"), std::string::npos);
  doc = ParseXml(many, XmlLimits{.max_bytes = 16, .max_depth = 4, .max_elements = 100});
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.status().message().find("exceeds"), std::string::npos);
}

TEST(RetryPolicyTest, BackoffGrowsExponentiallyWithJitterAndACap) {
  RetryPolicy p;
  p.base_delay = std::chrono::milliseconds(100);
  p.max_delay = std::chrono::milliseconds(1000);
  for (uint64_t r : {uint64_t{0}, uint64_t{1}, uint64_t{12345}, UINT64_MAX}) {
    EXPECT_GE(p.Backoff(1, r).count(), 50);
    EXPECT_LE(p.Backoff(1, r).count(), 100);
    EXPECT_GE(p.Backoff(3, r).count(), 200);
    EXPECT_LE(p.Backoff(3, r).count(), 400);
    EXPECT_GE(p.Backoff(40, r).count(), 500);
    EXPECT_LE(p.Backoff(40, r).count(), 1000);
  }
  EXPECT_NE(p.Backoff(5, 1), p.Backoff(5, 77)) << "jitter";
}

class ErrorMappingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    S3Options o;
    o.endpoint = "https://s3.example.test";
    o.bucket = "my-bucket";
    o.credentials = {"AKID", "top-secret", ""};
    auto c = S3Client::Create(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    client_ = std::move(c).value();
  }
  Status Map(long status, const std::string& code) {
    HttpResponse r;
    r.status = status;
    if (!code.empty()) r.body = "<?xml version=\"1.0\"?><Error><Code>" + code + "</Code><Message>m</Message></Error>";
    return client_->ErrorStatus(S3Call{.method = "GET", .key = "k"}, r);
  }
  std::unique_ptr<S3Client> client_;
};

TEST_F(ErrorMappingTest, NamesTheCause) {
  Status st = Map(404, "NoSuchBucket");
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_NE(st.message().find("bucket 'my-bucket' does not exist"), std::string::npos) << st.message();
  st = Map(403, "InvalidAccessKeyId");
  EXPECT_EQ(st.code(), Code::kPermissionDenied);
  EXPECT_NE(st.message().find("bad credentials"), std::string::npos);
  st = Map(403, "SignatureDoesNotMatch");
  EXPECT_NE(st.message().find("bad credentials"), std::string::npos);
  st = Map(403, "RequestTimeTooSkewed");
  EXPECT_EQ(st.code(), Code::kPermissionDenied);
  EXPECT_NE(st.message().find("clock skew"), std::string::npos);
  st = Map(403, "");  // HEAD answers carry no body
  EXPECT_EQ(st.code(), Code::kPermissionDenied);
  EXPECT_EQ(Map(503, "SlowDown").code(), Code::kUnavailable);
  EXPECT_EQ(Map(500, "InternalError").code(), Code::kUnavailable);
  EXPECT_EQ(Map(400, "AuthorizationHeaderMalformed").code(), Code::kFailedPrecondition);
  EXPECT_EQ(Map(400, "InvalidRequest").code(), Code::kInvalidArgument);
  EXPECT_EQ(client_->Describe(), "s3:https://s3.example.test/my-bucket/");
  for (const auto& c : {"NoSuchBucket", "InvalidAccessKeyId", "RequestTimeTooSkewed", ""}) {
    EXPECT_EQ(Map(403, c).message().find("top-secret"), std::string::npos);
  }
}

}  // namespace
}  // namespace nasd::chunk::s3
