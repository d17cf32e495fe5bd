// The epoch-versioned read path with hand-written multi-version records, on
// every KV engine: a view at epoch e sees the newest version at or before e.
#include "meta/versioned.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <thread>

#include "kv/engine_factories.h"
#include "kv/retry.h"
#include "meta/inode_allocator.h"
#include "meta/keys.h"
#include "meta/records.h"
#include "meta/share_fs.h"
#include "meta/share_txn.h"

namespace nasd::meta {
namespace {

using kv::testing::FactoryNames;
using kv::testing::MemFactory;
using kv::testing::RocksDbFactory;

const std::string kTomb(1, '\0');

template <typename Factory>
class VersionedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = factory_.Open();
    ASSERT_NE(kv_, nullptr);
  }
  void Put(const std::string& key, const std::string& value) {
    kv::WriteBatch b;
    b.Put(key, value);
    ASSERT_TRUE(kv_->Write(b).ok());
  }
  // Runs fn in a transaction that is then committed.
  void InTxn(const std::function<Status(kv::Transaction&)>& fn) {
    Status st = kv::RunTransaction(*kv_, fn);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  std::optional<std::string> Read(const std::string& base, uint64_t epoch) {
    std::optional<std::string> out;
    InTxn([&](kv::Transaction& t) -> Status {
      NASD_ASSIGN_OR_RETURN(out, ReadVersioned(t, base, epoch));
      return Status::Ok();
    });
    return out;
  }
  std::map<std::string, std::string> Scan(const std::string& prefix, uint64_t epoch,
                                          const std::string& start = "") {
    std::map<std::string, std::string> out;
    InTxn([&](kv::Transaction& t) {
      return ScanVersioned(t, prefix, start, epoch,
                           [&](std::string_view base, std::string_view value) {
                             out.emplace(base.substr(prefix.size()), value);
                             return true;
                           });
    });
    return out;
  }
  // Sets the share's live epoch (what taking snapshots will do).
  void SetEpoch(uint64_t share, uint64_t epoch) {
    Put(keys::ShareFsKey(share), EncodeShareFs({epoch, 1, 0}));
  }

  Factory factory_;
  std::unique_ptr<kv::KvEngine> kv_;
};
using Factories = ::testing::Types<MemFactory, RocksDbFactory>;
TYPED_TEST_SUITE(VersionedTest, Factories, FactoryNames);

TYPED_TEST(VersionedTest, ReadsTheNewestVersionAtOrBeforeTheEpoch) {
  const std::string base = "Fbase";
  this->Put(keys::VersionedKey(base, 1), "\x01v1");
  this->Put(keys::VersionedKey(base, 3), "\x01v3");
  this->Put(keys::VersionedKey(base, 5), kTomb);
  this->Put(keys::VersionedKey(base, 7), "\x01v7");
  this->Put(keys::VersionedKey(base + "x", 2), "\x01neighbour");  // a longer base must not leak in
  this->Put(keys::VersionedKey("Fbas", 9), "\x01shorter");
  const std::map<uint64_t, std::optional<std::string>> want = {
      {0, std::nullopt}, {1, "\x01v1"},     {2, "\x01v1"}, {3, "\x01v3"}, {4, "\x01v3"},
      {5, std::nullopt}, {6, std::nullopt}, {7, "\x01v7"}, {8, "\x01v7"}, {100, "\x01v7"}};
  for (const auto& [epoch, value] : want)
    EXPECT_EQ(this->Read(base, epoch), value) << "epoch " << epoch;
  EXPECT_EQ(this->Read("Fnothing", 5), std::nullopt);
}

TYPED_TEST(VersionedTest, WritesGoToTheLiveEpochAndErasesLeaveTombstonesOnlyWhenNeeded) {
  const std::string base = "Fk";
  this->InTxn([&](kv::Transaction& t) {
    WriteVersioned(t, base, 4, "\x01new");
    return Status::Ok();
  });
  EXPECT_EQ(*this->kv_->Get(keys::VersionedKey(base, 4)), "\x01new");
  this->InTxn(
      [&](kv::Transaction& t) { return EraseVersioned(t, base, 4); });  // no older version: gone
  EXPECT_EQ(*this->kv_->Get(keys::VersionedKey(base, 4)), std::nullopt);

  this->Put(keys::VersionedKey(base, 2), "\x01old");
  this->InTxn([&](kv::Transaction& t) {
    WriteVersioned(t, base, 4, "\x01v4");
    WriteVersioned(t, base, 4, "\x01v4b");  // in place
    return Status::Ok();
  });
  EXPECT_EQ(this->Read(base, 4), "\x01v4b");
  EXPECT_EQ(this->Read(base, 3), "\x01old");
  this->InTxn([&](kv::Transaction& t) { return EraseVersioned(t, base, 4); });
  EXPECT_EQ(*this->kv_->Get(keys::VersionedKey(base, 4)), kTomb);  // hides the snapshot's version
  EXPECT_EQ(this->Read(base, 4), std::nullopt);
  EXPECT_EQ(this->Read(base, 2), "\x01old");
}

// Forwards to a transaction and counts the scans made through it.
class ScanCountingTxn final : public kv::Transaction {
 public:
  explicit ScanCountingTxn(kv::Transaction& inner) : inner_(inner) {}
  Result<std::optional<std::string>> Get(std::string_view key) override { return inner_.Get(key); }
  Result<std::optional<std::string>> GetUntracked(std::string_view key) override {
    return inner_.GetUntracked(key);
  }
  Result<std::vector<kv::KeyValue>> Scan(const kv::Range& range, size_t limit) override {
    ++scans;
    limits.push_back(limit);
    return inner_.Scan(range, limit);
  }
  void Put(std::string_view key, std::string_view value) override { inner_.Put(key, value); }
  void Delete(std::string_view key) override { inner_.Delete(key); }
  Status Commit() override { return inner_.Commit(); }
  int scans = 0;
  std::vector<size_t> limits;  // of each scan

 private:
  kv::Transaction& inner_;
};

// No version is ever older than the first epoch, so a view at it that misses
// base@1 is done: no scan (an iterator each) for an absent name or record.
TYPED_TEST(VersionedTest, TheFirstEpochNeverLooksForOlderVersions) {
  const std::string base = "Fk";
  std::unique_ptr<kv::Transaction> inner = this->kv_->Begin();
  ScanCountingTxn t(*inner);
  EXPECT_EQ(ReadVersioned(t, base, keys::kFirstEpoch).value(), std::nullopt);
  EXPECT_EQ(ReadVersionedUntracked(t, base, keys::kFirstEpoch).value(), std::nullopt);
  ASSERT_TRUE(EraseVersioned(t, base, keys::kFirstEpoch).ok());
  EXPECT_EQ(t.scans, 0);
  EXPECT_EQ(ReadVersioned(t, base, keys::kFirstEpoch + 1).value(), std::nullopt);
  EXPECT_EQ(t.scans, 1);  // a later epoch may have older versions to find
}

// A read's block map stops after a few records: the scan must not copy a
// whole file's worth first. Batches grow while the visitor keeps going.
TYPED_TEST(VersionedTest, ScansStartWithASmallBatchAndGrowIt) {
  const std::string p = "Fs";
  for (int i = 0; i < 300; ++i) this->Put(keys::VersionedKey(p + fmt::format("{:04}", i), 1), "\x01v");
  std::unique_ptr<kv::Transaction> inner = this->kv_->Begin();
  ScanCountingTxn t(*inner);
  int seen = 0;
  ASSERT_TRUE(ScanVersioned(t, p, "", 1, [&](std::string_view, std::string_view) { return ++seen < 3; }).ok());
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(t.limits, (std::vector<size_t>{8}));
  t.limits.clear();
  seen = 0;
  ASSERT_TRUE(ScanVersioned(t, p, "", 1, [&](std::string_view, std::string_view) { return ++seen > 0; }).ok());
  EXPECT_EQ(seen, 300);
  EXPECT_EQ(t.limits, (std::vector<size_t>{8, 16, 32, 64, 128, 256})) << "8+16+32+64+128 = 248, 52 more";
}

TYPED_TEST(VersionedTest, ScansResolveEachNameAtTheEpoch) {
  const std::string p = "Fp";
  this->Put(keys::VersionedKey(p + "a", 1),
            "\x01"
            "a1");
  this->Put(keys::VersionedKey(p + "a", 3), kTomb);
  this->Put(keys::VersionedKey(p + "b", 2),
            "\x01"
            "b2");
  this->Put(keys::VersionedKey(p + "c", 1),
            "\x01"
            "c1");
  this->Put(keys::VersionedKey(p + "c", 4),
            "\x01"
            "c4");
  this->Put(keys::VersionedKey(p + "d", 5),
            "\x01"
            "d5");
  using M = std::map<std::string, std::string>;
  EXPECT_EQ(this->Scan(p, 1), (M{{"a",
                                  "\x01"
                                  "a1"},
                                 {"c",
                                  "\x01"
                                  "c1"}}));
  EXPECT_EQ(this->Scan(p, 2), (M{{"a",
                                  "\x01"
                                  "a1"},
                                 {"b",
                                  "\x01"
                                  "b2"},
                                 {"c",
                                  "\x01"
                                  "c1"}}));
  EXPECT_EQ(this->Scan(p, 3), (M{{"b",
                                  "\x01"
                                  "b2"},
                                 {"c",
                                  "\x01"
                                  "c1"}}));
  EXPECT_EQ(this->Scan(p, 9), (M{{"b",
                                  "\x01"
                                  "b2"},
                                 {"c",
                                  "\x01"
                                  "c4"},
                                 {"d",
                                  "\x01"
                                  "d5"}}));
  EXPECT_EQ(this->Scan(p, 9, p + "c"), (M{{"c",
                                           "\x01"
                                           "c4"},
                                          {"d",
                                           "\x01"
                                           "d5"}}));
}

TYPED_TEST(VersionedTest, ManyVersionsSpanScanBatches) {
  const std::string p = "Fm";
  for (int name = 0; name < 40; ++name) {
    for (uint64_t e = 1; e <= 20; ++e) {
      this->Put(keys::VersionedKey(p + static_cast<char>('A' + name), e),
                "\x01" + std::to_string(e));
    }
  }
  auto at7 = this->Scan(p, 7);
  ASSERT_EQ(at7.size(), 40u);
  for (const auto& [name, value] : at7)
    EXPECT_EQ(value,
              "\x01"
              "7")
        << name;
}

TYPED_TEST(VersionedTest, ShareTxnReadsSnapshotsAndRefusesToWriteThem) {
  const uint64_t share = 7;
  ASSERT_TRUE(EnsureShareFs(*this->kv_, share, 100).ok());
  // Hand-written history of one directory entry and one inode across epochs.
  InodeRecord v1;
  v1.type = FileType::kRegular;
  v1.mode = 0644;
  v1.nlink = 1;
  v1.size = 1;
  InodeRecord v3 = v1;
  v3.size = 3;
  this->Put(keys::VersionedKey(keys::InodeBase(share, 5), 1), EncodeInode(v1));
  this->Put(keys::VersionedKey(keys::InodeBase(share, 5), 3), EncodeInode(v3));
  this->Put(keys::DirEntryKey(share, 1, "f", 1), EncodeDirEntry({5, FileType::kRegular}));
  this->Put(keys::DirEntryKey(share, 1, "f", 4), kTomb);
  this->Put(keys::DirEntryKey(share, 1, "g", 2), EncodeDirEntry({5, FileType::kRegular}));
  this->SetEpoch(share, 4);

  auto look = [&](uint64_t epoch) {
    std::string out;
    this->InTxn([&](kv::Transaction& t) -> Status {
      NASD_ASSIGN_OR_RETURN(ShareTxn view, ShareTxn::OpenAt(t, share, epoch));
      NASD_ASSIGN_OR_RETURN(EntryPage entries, view.ListEntries(1, 0, 0));
      std::vector<std::string> names;
      for (const NamedEntry& e : entries.entries) names.push_back(e.name);
      std::sort(names.begin(), names.end());
      for (const std::string& n : names) out += n + ",";
      NASD_ASSIGN_OR_RETURN(auto inode, view.GetInode(5));
      out += inode ? std::to_string(inode->size) : "none";
      if (!view.live()) {
        Status st = view.PutInode(5, v1);
        if (st.code() != Code::kReadOnly) return Internal("snapshot view accepted a write");
      }
      return Status::Ok();
    });
    return out;
  };
  EXPECT_EQ(look(1), "f,1");
  EXPECT_EQ(look(2), "f,g,1");
  EXPECT_EQ(look(3), "f,g,3");
  EXPECT_EQ(look(4), "g,3");  // the live view
  this->InTxn([&](kv::Transaction& t) -> Status {
    return ShareTxn::OpenAt(t, share, 5).status().code() == Code::kInvalidArgument
               ? Status::Ok()
               : Internal("future epoch");
  });
}

TYPED_TEST(VersionedTest, ListEntriesNeverEndsAPageBetweenNamesSharingACookie) {
  const uint64_t share = 8;
  ASSERT_TRUE(EnsureShareFs(*this->kv_, share, 1).ok());
  // Three names forced onto one cookie (a hand-made hash collision), between
  // two ordinary names.
  auto raw_key = [&](uint64_t cookie, std::string_view name) {
    std::string k = keys::DirPrefix(share, 1);
    keys::AppendU64(k, cookie);
    k.append(name);
    k.push_back('\0');
    return keys::VersionedKey(k, 1);
  };
  const std::string rec = EncodeDirEntry({5, FileType::kRegular});
  this->Put(raw_key(100, "lo"), rec);
  for (const char* n : {"x", "y", "z"}) this->Put(raw_key(200, n), rec);
  this->Put(raw_key(300, "hi"), rec);
  auto list = [&](uint64_t after, size_t limit) {
    std::string out;
    this->InTxn([&](kv::Transaction& t) -> Status {
      NASD_ASSIGN_OR_RETURN(ShareTxn view, ShareTxn::Open(t, share));
      NASD_ASSIGN_OR_RETURN(EntryPage page, view.ListEntries(1, after, limit));
      out.clear();
      for (const NamedEntry& e : page.entries) out += e.name + std::to_string(e.cookie) + ",";
      out += page.more ? "more" : "end";
      return Status::Ok();
    });
    return out;
  };
  EXPECT_EQ(list(0, 1), "lo100,more");
  EXPECT_EQ(list(0, 2), "lo100,x200,y200,z200,more");  // the run is not split
  EXPECT_EQ(list(100, 1), "x200,y200,z200,more");
  EXPECT_EQ(list(200, 1), "hi300,end");
  EXPECT_EQ(list(300, 5), "end");
  EXPECT_EQ(list(0, 0), "lo100,x200,y200,z200,hi300,end");
}

TYPED_TEST(VersionedTest, InodeNumbersAreNeverReused) {
  std::set<uint64_t> seen;
  for (int round = 0; round < 3; ++round) {  // a new allocator = a restart
    InodeAllocator alloc(*this->kv_, 1, 10);
    for (int i = 0; i < 5; ++i) {
      auto ino = alloc.Next();
      ASSERT_TRUE(ino.ok());
      EXPECT_GT(*ino, kRootInode);
      EXPECT_TRUE(seen.insert(*ino).second);
    }
  }
  InodeAllocator shared(*this->kv_, 1, 4);
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> got(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) got[t].push_back(*shared.Next());
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& v : got) {
    for (uint64_t ino : v) EXPECT_TRUE(seen.insert(ino).second) << ino;
  }
}

TYPED_TEST(VersionedTest, EnsureShareFsIsIdempotent) {
  auto a = EnsureShareFs(*this->kv_, 3, 100);
  auto b = EnsureShareFs(*this->kv_, 3, 200);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(b->created_ns, 100);
  EXPECT_EQ(b->epoch, keys::kFirstEpoch);
  this->Put(keys::ShareFsKey(4), "garbage");
  EXPECT_EQ(EnsureShareFs(*this->kv_, 4, 1).status().code(), Code::kCorruption);
}

}  // namespace
}  // namespace nasd::meta
