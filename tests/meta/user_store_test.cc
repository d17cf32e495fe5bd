// UserStore on both KV engines, with the cheapest Argon2id cost.
#include "meta/user_store.h"

#include <gtest/gtest.h>

#include <limits>
#include <set>
#include <thread>

#include "kv/engine_factories.h"
#include "meta/keys.h"
#include "meta/nt_hash.h"
#include "kv/retry.h"
#include "meta/share_store.h"

namespace nasd::meta {
namespace {

using kv::testing::MemFactory;
using kv::testing::RocksDbFactory;

UserStoreOptions CheapOptions() {
  UserStoreOptions o;
  o.password_cost = PasswordCost::Minimum();
  return o;
}

template <typename Factory>
class UserStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = factory_.Open();
    ASSERT_NE(kv_, nullptr);
    users_ = std::make_unique<UserStore>(*kv_, CheapOptions());
  }

  void AddUser(const std::string& name, const std::string& password = "secret",
               uint32_t uid = 1000) {
    Status st = users_->Add(name, password, uid, uid);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  bool Verifies(std::string_view name, std::string_view password) {
    auto r = users_->Verify(name, password);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && *r;
  }

  ShareAccess AccessOf(uint64_t share, std::string_view user) {
    auto r = users_->Access(share, user);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ShareAccess::kNone;
  }

  Factory factory_;
  std::unique_ptr<kv::KvEngine> kv_;
  std::unique_ptr<UserStore> users_;
};

using Factories = ::testing::Types<MemFactory, RocksDbFactory>;
TYPED_TEST_SUITE(UserStoreTest, Factories, kv::testing::FactoryNames);

TEST(UserNameTest, IsPosixPortable) {
  for (const char* ok :
       {"alice", "_svc", "a", "bob.smith", "x-1_2", "abcdefghijklmnopqrstuvwxyz012345"}) {
    EXPECT_TRUE(ValidateUserName(ok).ok()) << ok;
  }
  for (const std::string& bad :
       std::vector<std::string>{"", "Alice", "1abc", "-x", ".x", "a b", "a:b", "a/b", "caf\xc3\xa9",
                                "abcdefghijklmnopqrstuvwxyz0123456", std::string("a\0b", 3)}) {
    EXPECT_EQ(ValidateUserName(bad).code(), Code::kInvalidArgument) << bad;
  }
}

TEST(ShareAccessTest, NamesRoundTrip) {
  for (ShareAccess a : {ShareAccess::kNone, ShareAccess::kReadOnly, ShareAccess::kReadWrite}) {
    EXPECT_EQ(*ParseShareAccess(ShareAccessName(a)), a);
  }
  EXPECT_EQ(ShareAccessName(ShareAccess::kReadWrite), "read-write");
  EXPECT_FALSE(ParseShareAccess("rw").ok());
}

TYPED_TEST(UserStoreTest, AddGetListDelete) {
  this->AddUser("bob", "pw-bob", 1001);
  this->AddUser("alice", "pw-alice", 1000);
  auto got = this->users_->Get("alice");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->uid, 1000u);
  EXPECT_EQ((*got)->gid, 1000u);
  EXPECT_GT((*got)->created_ns, 0);
  // Only an Argon2id hash is stored, never the password.
  EXPECT_EQ((*got)->password_hash.rfind("$argon2id$", 0), 0u) << (*got)->password_hash;
  auto raw = this->kv_->Get(keys::UserKey("alice"));
  ASSERT_TRUE(raw.ok() && raw->has_value());
  EXPECT_EQ((*raw)->find("pw-alice"), std::string::npos);

  auto list = this->users_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "alice");
  EXPECT_EQ((*list)[1].name, "bob");

  EXPECT_EQ(this->users_->Add("alice", "other", 5, 5).code(), Code::kAlreadyExists);
  EXPECT_TRUE(this->users_->Delete("alice").ok());
  EXPECT_FALSE(this->users_->Get("alice")->has_value());
  EXPECT_EQ(this->users_->Delete("alice").code(), Code::kNotFound);
  EXPECT_EQ(this->users_->List()->size(), 1u);
  EXPECT_EQ(this->users_->Get("Not-Valid").status().code(), Code::kInvalidArgument);
}

TYPED_TEST(UserStoreTest, RefusesBadPasswordsAndIds) {
  auto& users = *this->users_;
  EXPECT_EQ(users.Add("a", "", 1000, 1000).code(), Code::kInvalidArgument);
  EXPECT_EQ(users.Add("a", std::string(1025, 'x'), 1000, 1000).code(), Code::kInvalidArgument);
  EXPECT_EQ(users.Add("a", "pw", 0, 1000).code(), Code::kInvalidArgument);
  EXPECT_EQ(users.Add("a", "pw", 1000, 0).code(), Code::kInvalidArgument);
  EXPECT_EQ(users.Add("a", "pw", std::numeric_limits<uint32_t>::max(), 1000).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(users.Add("Bad", "pw", 1000, 1000).code(), Code::kInvalidArgument);
  EXPECT_TRUE(users.List()->empty());
  EXPECT_TRUE(users.Add("a", std::string(1024, 'x'), 1000, 1000).ok());
  EXPECT_TRUE(this->Verifies("a", std::string(1024, 'x')));
  EXPECT_EQ(users.SetPassword("a", "").code(), Code::kInvalidArgument);
  EXPECT_EQ(users.SetPassword("nobody", "pw").code(), Code::kNotFound);
}

TYPED_TEST(UserStoreTest, AllocatesIdsFrom10000AndNeverTwice) {
  auto& users = *this->users_;
  auto first = users.Create("first", "pw", std::nullopt, std::nullopt);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->uid, kFirstAllocatedId);
  EXPECT_EQ(first->gid, kFirstAllocatedId);
  ASSERT_TRUE(users.Add("manual", "pw", 10001, 100).ok());  // an explicit id is skipped over
  auto second = users.Create("second", "pw", std::nullopt, 100);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->uid, 10002u);
  EXPECT_EQ(second->gid, 100u);
  // A deleted user's id is not handed to the next user (who would own its files).
  ASSERT_TRUE(users.Delete("second").ok());
  auto third = users.Create("third", "pw", std::nullopt, std::nullopt);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->uid, 10003u);
  auto explicit_uid = users.Create("fourth", "pw", 4242, std::nullopt);
  ASSERT_TRUE(explicit_uid.ok());
  EXPECT_EQ(explicit_uid->gid, 4242u);
}

TYPED_TEST(UserStoreTest, ConcurrentAllocationsGetDistinctIds) {
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<uint32_t> uids;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      auto r = this->users_->Create("u" + std::to_string(i), "pw", std::nullopt, std::nullopt);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      std::lock_guard lock(mu);
      uids.insert(r->uid);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(uids.size(), 6u);
}

TYPED_TEST(UserStoreTest, VerifyChecksPasswords) {
  this->AddUser("alice", "correct horse");
  EXPECT_TRUE(this->Verifies("alice", "correct horse"));
  EXPECT_FALSE(this->Verifies("alice", "correct horsE"));
  EXPECT_FALSE(this->Verifies("alice", "correct horse "));
  EXPECT_FALSE(this->Verifies("alice", ""));
  EXPECT_FALSE(this->Verifies("alice", std::string(5000, 'x')));
  EXPECT_FALSE(this->Verifies("bob", "correct horse"));
  EXPECT_FALSE(this->Verifies("Alice", "correct horse"));
  EXPECT_FALSE(this->Verifies("", "correct horse"));
}

TYPED_TEST(UserStoreTest, VerifyCachesSuccessesOnly) {
  this->AddUser("alice", "pw");
  auto& users = *this->users_;
  EXPECT_TRUE(this->Verifies("alice", "pw"));
  EXPECT_EQ(users.verify_stats().hashes, 1u);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(this->Verifies("alice", "pw"));
  EXPECT_EQ(users.verify_stats().hashes, 1u);
  EXPECT_EQ(users.verify_stats().cache_hits, 5u);
  // Failures are never cached: each one pays a full hash.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(this->Verifies("alice", "wrong"));
  EXPECT_EQ(users.verify_stats().hashes, 4u);
  // An unknown user costs a (dummy) hash too: no fast path reveals who exists.
  EXPECT_FALSE(this->Verifies("nobody", "pw"));
  EXPECT_FALSE(this->Verifies("In valid", "pw"));
  EXPECT_EQ(users.verify_stats().hashes, 6u);
}

TYPED_TEST(UserStoreTest, PasswordChangeAndDeleteInvalidateTheCache) {
  this->AddUser("alice", "old");
  EXPECT_TRUE(this->Verifies("alice", "old"));
  EXPECT_TRUE(this->Verifies("alice", "old"));  // cached
  ASSERT_TRUE(this->users_->SetPassword("alice", "new").ok());
  EXPECT_FALSE(this->Verifies("alice", "old"));
  EXPECT_TRUE(this->Verifies("alice", "new"));
  EXPECT_TRUE(this->Verifies("alice", "new"));
  ASSERT_TRUE(this->users_->Delete("alice").ok());
  EXPECT_FALSE(this->Verifies("alice", "new"));
  // A new user of the same name does not inherit the old password.
  this->AddUser("alice", "other");
  EXPECT_FALSE(this->Verifies("alice", "new"));
  EXPECT_TRUE(this->Verifies("alice", "other"));
}

TYPED_TEST(UserStoreTest, AnotherStoreSeesAPasswordChange) {
  // A second store (own cache) on the same KV changes the password: this
  // store's cached success must not outlive the change.
  this->AddUser("alice", "old");
  EXPECT_TRUE(this->Verifies("alice", "old"));
  UserStore other(*this->kv_, CheapOptions());
  ASSERT_TRUE(other.SetPassword("alice", "new").ok());
  EXPECT_FALSE(this->Verifies("alice", "old"));
  EXPECT_TRUE(this->Verifies("alice", "new"));
}

TYPED_TEST(UserStoreTest, GrantsAndRevokes) {
  auto& users = *this->users_;
  this->AddUser("bob");
  this->AddUser("bobby");
  this->AddUser("alice");
  EXPECT_EQ(users.Grant(1, "nobody", ShareAccess::kReadOnly).code(), Code::kNotFound);
  EXPECT_EQ(users.Grant(1, "Bad Name", ShareAccess::kReadOnly).code(), Code::kInvalidArgument);
  EXPECT_EQ(this->AccessOf(1, "bob"), ShareAccess::kNone);
  ASSERT_TRUE(users.Grant(1, "bob", ShareAccess::kReadOnly).ok());
  ASSERT_TRUE(users.Grant(1, "alice", ShareAccess::kReadWrite).ok());
  ASSERT_TRUE(users.Grant(2, "bob", ShareAccess::kReadWrite).ok());
  EXPECT_EQ(this->AccessOf(1, "bob"), ShareAccess::kReadOnly);
  EXPECT_EQ(this->AccessOf(2, "bob"), ShareAccess::kReadWrite);
  EXPECT_EQ(this->AccessOf(1, "bobby"), ShareAccess::kNone);
  EXPECT_EQ(this->AccessOf(3, "bob"), ShareAccess::kNone);
  ASSERT_TRUE(users.Grant(1, "bob", ShareAccess::kReadWrite).ok());  // replaces
  EXPECT_EQ(this->AccessOf(1, "bob"), ShareAccess::kReadWrite);

  auto grants = users.ListGrants(1);
  ASSERT_TRUE(grants.ok());
  ASSERT_EQ(grants->size(), 2u);
  EXPECT_EQ((*grants)[0], std::make_pair(std::string("alice"), ShareAccess::kReadWrite));
  EXPECT_EQ((*grants)[1], std::make_pair(std::string("bob"), ShareAccess::kReadWrite));

  ASSERT_TRUE(users.Revoke(1, "bob").ok());
  EXPECT_EQ(this->AccessOf(1, "bob"), ShareAccess::kNone);
  EXPECT_EQ(users.Revoke(1, "bob").code(), Code::kNotFound);
  EXPECT_EQ(this->AccessOf(2, "bob"), ShareAccess::kReadWrite);
  ASSERT_TRUE(users.Grant(1, "alice", ShareAccess::kNone).ok());  // kNone revokes
  EXPECT_TRUE(users.ListGrants(1)->empty());
}

TYPED_TEST(UserStoreTest, DeletingAUserRemovesOnlyItsGrants) {
  auto& users = *this->users_;
  this->AddUser("bob");
  this->AddUser("bobby");
  ASSERT_TRUE(users.Grant(1, "bob", ShareAccess::kReadOnly).ok());
  ASSERT_TRUE(users.Grant(7, "bob", ShareAccess::kReadWrite).ok());
  ASSERT_TRUE(users.Grant(1, "bobby", ShareAccess::kReadOnly).ok());
  ASSERT_TRUE(users.Delete("bob").ok());
  EXPECT_EQ(this->AccessOf(1, "bob"), ShareAccess::kNone);
  EXPECT_TRUE(users.ListGrants(7)->empty());
  EXPECT_EQ(this->AccessOf(1, "bobby"), ShareAccess::kReadOnly);
  // Re-creating the name does not bring the grants back.
  this->AddUser("bob");
  EXPECT_EQ(this->AccessOf(1, "bob"), ShareAccess::kNone);
}

TYPED_TEST(UserStoreTest, DeletingAShareRemovesItsGrants) {
  ShareStore shares(*this->kv_);
  auto docs = shares.Create("docs");
  auto media = shares.Create("media");
  ASSERT_TRUE(docs.ok() && media.ok());
  this->AddUser("bob");
  ASSERT_TRUE(this->users_->Grant(docs->id, "bob", ShareAccess::kReadWrite).ok());
  ASSERT_TRUE(this->users_->Grant(media->id, "bob", ShareAccess::kReadOnly).ok());
  ASSERT_TRUE(shares.Delete("docs", false).ok());
  EXPECT_TRUE(this->users_->ListGrants(docs->id)->empty());
  auto it = this->kv_->NewIterator(kv::Range::Prefix(keys::GrantPrefix(docs->id)));
  EXPECT_FALSE(it->Valid());
  EXPECT_EQ(this->AccessOf(media->id, "bob"), ShareAccess::kReadOnly);
}

TYPED_TEST(UserStoreTest, MalformedRecordsAreCorruptionWithoutLeakingThem) {
  kv::WriteBatch b;
  b.Put(keys::UserKey("broken"), R"({"name":"broken","password_hash":"$argon2id$secret"})");
  b.Put(keys::GrantKey(1, "broken"), "garbage");
  ASSERT_TRUE(this->kv_->Write(b).ok());
  auto got = this->users_->Get("broken");
  EXPECT_EQ(got.status().code(), Code::kCorruption);
  EXPECT_EQ(got.status().message().find("argon2id"), std::string::npos);
  EXPECT_EQ(this->users_->List().status().code(), Code::kCorruption);
  EXPECT_EQ(this->users_->Verify("broken", "pw").status().code(), Code::kCorruption);
  EXPECT_EQ(this->users_->Access(1, "broken").status().code(), Code::kCorruption);
}

}  // namespace
}  // namespace nasd::meta

namespace nasd::meta {
namespace {

TYPED_TEST(UserStoreTest, KeepsTheNtHashOfEachPasswordForSmb) {
  this->AddUser("alice", "password");
  auto alice = this->users_->Get("alice");
  ASSERT_TRUE(alice.ok() && alice->has_value());
  EXPECT_EQ((*alice)->nt_hash, "8846F7EAEE8FB117AD06BDD830B7586C");
  ASSERT_TRUE(this->users_->SetPassword("alice", "other-pw").ok());
  alice = this->users_->Get("alice");
  EXPECT_EQ((*alice)->nt_hash, NtHashHex("other-pw"));
  auto created = this->users_->Create("bob", "password", std::nullopt, std::nullopt);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->nt_hash, "8846F7EAEE8FB117AD06BDD830B7586C");
}

TYPED_TEST(UserStoreTest, ReadsRecordsWrittenBeforeNtHashes) {
  // A record as written before SMB support: no nt_hash field.
  Status put = kv::RunTransaction(*this->kv_, [](kv::Transaction& txn) {
    txn.Put(keys::UserKey("old"), R"({"name":"old","uid":1000,"gid":1000,"password_hash":"x","created_ns":1})");
    return Status::Ok();
  });
  ASSERT_TRUE(put.ok()) << put.ToString();
  auto old = this->users_->Get("old");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  ASSERT_TRUE(old->has_value());
  EXPECT_EQ((*old)->nt_hash, "");
}

}  // namespace
}  // namespace nasd::meta
