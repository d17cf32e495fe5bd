#include "meta/share_store.h"

#include <thread>

#include <gtest/gtest.h>

#include "kv/mem/mem_engine.h"
#include "meta/keys.h"

namespace nasd::meta {
namespace {

class ShareStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<kv::KvEngine> kv_ = kv::NewMemEngine();
  ShareStore shares_{*kv_};

  void AddEntry(const ShareInfo& s, const std::string& name) {
    kv::WriteBatch b;
    b.Put(keys::DirEntryKey(s.id, 1, name), "x");
    ASSERT_TRUE(kv_->Write(b).ok());
  }
};

TEST_F(ShareStoreTest, ValidatesNames) {
  EXPECT_TRUE(ValidateShareName("docs").ok());
  EXPECT_TRUE(ValidateShareName("a.b_c-D9").ok());
  EXPECT_TRUE(ValidateShareName(std::string(64, 'a')).ok());
  EXPECT_FALSE(ValidateShareName("").ok());
  EXPECT_FALSE(ValidateShareName(std::string(65, 'a')).ok());
  EXPECT_FALSE(ValidateShareName(".hidden").ok());
  EXPECT_FALSE(ValidateShareName("a/b").ok());
  EXPECT_FALSE(ValidateShareName("a b").ok());
  EXPECT_FALSE(ValidateShareName("..").ok());
  EXPECT_FALSE(ValidateShareName(std::string("a\0b", 3)).ok());
  EXPECT_FALSE(ValidateShareName("caf\xc3\xa9").ok());
}

TEST_F(ShareStoreTest, CreateListGetDelete) {
  auto docs = shares_.Create("docs");
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  auto media = shares_.Create("media");
  ASSERT_TRUE(media.ok());
  EXPECT_NE(docs->id, media->id);
  EXPECT_GT(docs->created_ns, 0);

  auto list = shares_.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "docs");
  EXPECT_EQ((*list)[1].name, "media");

  auto got = shares_.Get("docs");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->id, docs->id);

  EXPECT_EQ(shares_.Create("docs").status().code(), Code::kAlreadyExists);
  EXPECT_EQ(shares_.Create("bad/name").status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(shares_.Delete("docs", false).ok());
  EXPECT_EQ(shares_.Get("docs").status().code(), Code::kNotFound);
  EXPECT_EQ(shares_.Delete("docs", false).code(), Code::kNotFound);
}

TEST_F(ShareStoreTest, IdsAreNeverReused) {
  auto a = shares_.Create("a");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(shares_.Delete("a", false).ok());
  auto again = shares_.Create("a");
  ASSERT_TRUE(again.ok());
  EXPECT_GT(again->id, a->id);
}

TEST_F(ShareStoreTest, NonEmptyShareNeedsForce) {
  auto docs = shares_.Create("docs");
  ASSERT_TRUE(docs.ok());
  auto other = shares_.Create("other");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(*shares_.HasEntries(*docs));
  AddEntry(*docs, "file.txt");
  AddEntry(*other, "keep.txt");
  EXPECT_TRUE(*shares_.HasEntries(*docs));
  EXPECT_EQ(shares_.Delete("docs", false).code(), Code::kNotEmpty);
  EXPECT_TRUE(shares_.Get("docs").ok());
  EXPECT_TRUE(shares_.Delete("docs", true).ok());
  EXPECT_EQ(shares_.Get("docs").status().code(), Code::kNotFound);
  // The forced delete removed the share's records and nothing else.
  auto it = kv_->NewIterator(kv::Range::Prefix(keys::ShareDataPrefix(docs->id)));
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(*shares_.HasEntries(*other));
}

TEST_F(ShareStoreTest, ConcurrentCreatesOfOneNameYieldOneShare) {
  std::atomic<int> created{0};
  std::atomic<int> exists{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r = shares_.Create("same");
      if (r.ok()) ++created;
      else if (r.status().code() == Code::kAlreadyExists) ++exists;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(exists.load(), 7);
}

TEST_F(ShareStoreTest, MalformedRecordIsCorruptionNotCrash) {
  kv::WriteBatch b;
  b.Put(keys::ShareKey("broken"), "{not json");
  ASSERT_TRUE(kv_->Write(b).ok());
  EXPECT_EQ(shares_.Get("broken").status().code(), Code::kCorruption);
  EXPECT_EQ(shares_.List().status().code(), Code::kCorruption);
}

}  // namespace
}  // namespace nasd::meta
