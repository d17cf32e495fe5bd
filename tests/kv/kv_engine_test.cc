// The KvEngine contract (kv_engine.h), run against every implementation.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kv/retry.h"
#include "engine_factories.h"

namespace nasd::kv {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::SizeIs;
using testing::KeyList;
using testing::KvEngineTest;

using Factories = ::testing::Types<testing::MemFactory, testing::RocksDbFactory>;
TYPED_TEST_SUITE(KvEngineTest, Factories, testing::FactoryNames);

TYPED_TEST(KvEngineTest, GetAbsentAndPresent) {
  EXPECT_EQ(this->Read("missing"), std::nullopt);
  this->Put("k", "v");
  EXPECT_THAT(this->Read("k"), Optional(std::string("v")));
  this->Put("empty", "");
  EXPECT_THAT(this->Read("empty"), Optional(std::string()));
}

TYPED_TEST(KvEngineTest, BatchAppliesOpsInOrder) {
  this->Put("gone", "x");
  WriteBatch batch;
  batch.Put("a", "1");
  batch.Delete("gone");
  batch.Put("b", "old");
  batch.Put("b", "new");
  batch.Put("c", "3");
  batch.Delete("c");
  ASSERT_TRUE(this->engine_->Write(batch).ok());
  EXPECT_THAT(this->Read("a"), Optional(std::string("1")));
  EXPECT_EQ(this->Read("gone"), std::nullopt);
  EXPECT_THAT(this->Read("b"), Optional(std::string("new")));
  EXPECT_EQ(this->Read("c"), std::nullopt);
  EXPECT_TRUE(this->engine_->Write(WriteBatch()).ok());
}

TYPED_TEST(KvEngineTest, BinaryKeysSortBytewise) {
  const std::string nul_value("v\0w", 3);
  const KeyList keys = {std::string("\0", 1), std::string("\0\0", 2), std::string("a"),
                        std::string("a\0b", 3), std::string("a\xff", 2), std::string("\x7f"),
                        std::string("\x80"), std::string("\xfe\xff\xff", 3)};
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) this->Put(*it, nul_value);
  for (const std::string& key : keys) EXPECT_THAT(this->Read(key), Optional(nul_value));
  EXPECT_EQ(this->Read(std::string("a\0", 2)), std::nullopt);
  EXPECT_EQ(this->Keys(Range{}), keys);
}

TYPED_TEST(KvEngineTest, PrefixRanges) {
  for (const char* key : {"a", "aa\xff", "ab", "ac", "b"}) this->Put(key, "v");
  this->Put(std::string("ab\0", 3), "v");
  this->Put("ab\xff", "v");
  this->Put("ab\xff\xff", "v");
  EXPECT_THAT(this->Keys(Range::Prefix("ab")),
              ElementsAre("ab", std::string("ab\0", 3), "ab\xff", "ab\xff\xff"));
  EXPECT_THAT(this->Keys(Range::Prefix("ab\xff")), ElementsAre("ab\xff", "ab\xff\xff"));
  EXPECT_THAT(this->Keys(Range::Prefix("aa")), ElementsAre("aa\xff"));
  EXPECT_THAT(this->Keys(Range::Prefix("c")), IsEmpty());
  EXPECT_EQ(this->Keys(Range::Prefix("")).size(), 8u);
}

TYPED_TEST(KvEngineTest, IteratorOrderAndBounds) {
  for (const char* key : {"d", "b", "a", "c", "e"}) this->Put(key, std::string("v") + key);
  EXPECT_THAT(this->Keys(Range{"b", "d"}), ElementsAre("b", "c"));
  EXPECT_THAT(this->Keys(Range{"bb", ""}), ElementsAre("c", "d", "e"));
  EXPECT_THAT(this->Keys(Range{"", "b"}), ElementsAre("a"));
  EXPECT_THAT(this->Keys(Range{"d", "d"}), IsEmpty());
  EXPECT_THAT(this->Keys(Range{"e", "b"}), IsEmpty());
  std::unique_ptr<Iterator> it = this->engine_->NewIterator(Range{"c", ""});
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c");
  EXPECT_EQ(it->value(), "vc");
}

TYPED_TEST(KvEngineTest, IteratorReadsItsSnapshot) {
  this->Put("a", "1");
  this->Put("b", "1");
  std::unique_ptr<Iterator> it = this->engine_->NewIterator(Range{});
  WriteBatch later;
  later.Put("a", "2");
  later.Delete("b");
  later.Put("c", "2");
  ASSERT_TRUE(this->engine_->Write(later).ok());
  std::vector<std::string> seen;
  for (; it->Valid(); it->Next()) seen.push_back(std::string(it->key()) + "=" + std::string(it->value()));
  EXPECT_THAT(seen, ElementsAre("a=1", "b=1"));
  EXPECT_THAT(this->Keys(Range{}), ElementsAre("a", "c"));
}

TYPED_TEST(KvEngineTest, TransactionReadsSnapshotAndOwnWrites) {
  for (const char* key : {"a", "b", "c", "x"}) this->Put(key, "old");
  std::unique_ptr<Transaction> txn = this->engine_->Begin();
  this->Put("a", "outside");  // after Begin: invisible to txn
  this->Put("e", "outside");
  txn->Put("b", "mine");
  txn->Delete("c");
  txn->Put("d", "mine");
  txn->Delete("x");
  txn->Put("x", "back");
  EXPECT_THAT(txn->Get("a").value(), Optional(std::string("old")));
  EXPECT_THAT(txn->Get("b").value(), Optional(std::string("mine")));
  EXPECT_EQ(txn->Get("c").value(), std::nullopt);
  EXPECT_EQ(txn->Get("e").value(), std::nullopt);
  Result<std::vector<KeyValue>> all = txn->Scan(Range{});
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(this->KeysOf(*all), ElementsAre("a", "b", "d", "x"));
  EXPECT_EQ((*all)[0].value, "old");
  EXPECT_EQ((*all)[1].value, "mine");
  EXPECT_EQ((*all)[3].value, "back");
  EXPECT_THAT(this->KeysOf(txn->Scan(Range{"b", "x"}, 0).value()), ElementsAre("b", "d"));
  EXPECT_THAT(this->KeysOf(txn->Scan(Range{}, 2).value()), ElementsAre("a", "b"));
  EXPECT_EQ(this->Read("d"), std::nullopt);  // nothing visible before commit
}

TYPED_TEST(KvEngineTest, CommitAppliesWritesForBothDurabilities) {
  for (bool durable : {true, false}) {
    std::unique_ptr<Transaction> txn = this->engine_->Begin(WriteOptions{durable});
    txn->Put(durable ? "durable" : "lazy", "v");
    ASSERT_TRUE(txn->Commit().ok());
    WriteBatch batch;
    batch.Put(durable ? "batch-durable" : "batch-lazy", "v");
    ASSERT_TRUE(this->engine_->Write(batch, WriteOptions{durable}).ok());
  }
  EXPECT_THAT(this->Keys(Range{}), ElementsAre("batch-durable", "batch-lazy", "durable", "lazy"));
}

TYPED_TEST(KvEngineTest, AbandonedTransactionWritesNothing) {
  {
    std::unique_ptr<Transaction> txn = this->engine_->Begin();
    txn->Put("k", "v");
  }
  EXPECT_EQ(this->Read("k"), std::nullopt);
}

TYPED_TEST(KvEngineTest, CommitTwiceIsFailedPrecondition) {
  std::unique_ptr<Transaction> txn = this->engine_->Begin();
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_EQ(txn->Commit().code(), Code::kFailedPrecondition);
  EXPECT_EQ(txn->Get("k").status().code(), Code::kFailedPrecondition);
}

TYPED_TEST(KvEngineTest, ConflictWhenReadKeyChanges) {
  this->Put("k", "0");
  std::unique_ptr<Transaction> t1 = this->engine_->Begin();
  ASSERT_THAT(t1->Get("k").value(), Optional(std::string("0")));
  std::unique_ptr<Transaction> t2 = this->engine_->Begin();
  t2->Put("k", "2");
  ASSERT_TRUE(t2->Commit().ok());
  t1->Put("k", "1");
  t1->Put("side", "1");
  EXPECT_EQ(t1->Commit().code(), Code::kConflict);
  EXPECT_THAT(this->Read("k"), Optional(std::string("2")));
  EXPECT_EQ(this->Read("side"), std::nullopt);
}

TYPED_TEST(KvEngineTest, ConflictWhenBatchWritesReadKey) {
  std::unique_ptr<Transaction> t1 = this->engine_->Begin();
  ASSERT_TRUE(t1->Get("k").ok());
  this->Put("k", "batch");
  t1->Put("other", "1");
  EXPECT_EQ(t1->Commit().code(), Code::kConflict);
}

TYPED_TEST(KvEngineTest, ConflictWhenAbsentReadKeyIsCreated) {
  std::unique_ptr<Transaction> t1 = this->engine_->Begin();
  ASSERT_EQ(t1->Get("new").value(), std::nullopt);
  std::unique_ptr<Transaction> t2 = this->engine_->Begin();
  t2->Put("new", "t2");
  ASSERT_TRUE(t2->Commit().ok());
  t1->Put("new", "t1");
  EXPECT_EQ(t1->Commit().code(), Code::kConflict);
  EXPECT_THAT(this->Read("new"), Optional(std::string("t2")));
}

TYPED_TEST(KvEngineTest, ConflictWhenReadKeyIsDeleted) {
  this->Put("k", "v");
  std::unique_ptr<Transaction> t1 = this->engine_->Begin();
  ASSERT_TRUE(t1->Get("k").ok());
  WriteBatch del;
  del.Delete("k");
  ASSERT_TRUE(this->engine_->Write(del).ok());
  t1->Put("elsewhere", "x");
  EXPECT_EQ(t1->Commit().code(), Code::kConflict);
}

TYPED_TEST(KvEngineTest, ATransactionThatWroteNothingCommitsWithoutValidation) {
  this->Put("k", "v");
  std::unique_ptr<Transaction> t1 = this->engine_->Begin();
  ASSERT_THAT(*t1->Get("k"), Optional(std::string("v")));
  WriteBatch del;
  del.Delete("k");
  ASSERT_TRUE(this->engine_->Write(del).ok());
  // Its reads were one consistent snapshot; there is nothing to apply.
  EXPECT_TRUE(t1->Commit().ok());
  EXPECT_EQ(this->Read("k"), std::nullopt);
}

TYPED_TEST(KvEngineTest, NoConflictOnDisjointKeysOrBlindWrites) {
  this->Put("a", "0");
  this->Put("b", "0");
  std::unique_ptr<Transaction> t1 = this->engine_->Begin();
  std::unique_ptr<Transaction> t2 = this->engine_->Begin();
  ASSERT_TRUE(t1->Get("a").ok());
  ASSERT_TRUE(t2->Get("b").ok());
  t1->Put("a", "1");
  t1->Put("blind", "t1");
  t2->Put("b", "2");
  t2->Put("blind", "t2");
  ASSERT_TRUE(t2->Commit().ok());
  ASSERT_TRUE(t1->Commit().ok());  // only reads are validated
  EXPECT_THAT(this->Read("a"), Optional(std::string("1")));
  EXPECT_THAT(this->Read("b"), Optional(std::string("2")));
  EXPECT_THAT(this->Read("blind"), Optional(std::string("t1")));
}

TYPED_TEST(KvEngineTest, ScanIsNotConflictChecked) {
  std::unique_ptr<Transaction> t1 = this->engine_->Begin();
  ASSERT_THAT(t1->Scan(Range::Prefix("dir/")).value(), IsEmpty());
  this->Put("dir/x", "v");
  t1->Put("dir/y", "v");
  EXPECT_TRUE(t1->Commit().ok());
}

// GetUntracked reads what Get would (snapshot and own writes) but leaves the
// key out of the read set; the same key read with Get does conflict.
TYPED_TEST(KvEngineTest, GetUntrackedReadsLikeGetButIsNotConflictChecked) {
  this->Put("stamp", "old");
  this->Put("other", "old");
  std::unique_ptr<Transaction> t1 = this->engine_->Begin();
  this->Put("stamp", "outside");  // after Begin: invisible to t1
  EXPECT_THAT(t1->GetUntracked("stamp").value(), Optional(std::string("old")));
  EXPECT_EQ(t1->GetUntracked("absent").value(), std::nullopt);
  t1->Put("mine", "v");
  EXPECT_THAT(t1->GetUntracked("mine").value(), Optional(std::string("v")));
  t1->Put("stamp2", "v");
  EXPECT_TRUE(t1->Commit().ok());

  std::unique_ptr<Transaction> t2 = this->engine_->Begin();
  ASSERT_TRUE(t2->GetUntracked("other").ok());
  ASSERT_TRUE(t2->Get("stamp").ok());
  this->Put("other", "outside");
  this->Put("stamp", "again");
  t2->Put("x", "v");
  EXPECT_EQ(t2->Commit().code(), Code::kConflict);  // for "stamp", read with Get

  std::unique_ptr<Transaction> closed = this->engine_->Begin();
  ASSERT_TRUE(this->engine_->Close().ok());
  EXPECT_EQ(closed->GetUntracked("stamp").status().code(), Code::kUnavailable);
}

// A read-only transaction reads its snapshot like any other, records no read
// set, and refuses to write.
TYPED_TEST(KvEngineTest, ReadOnlyTransactionsReadTheirSnapshotAndCannotWrite) {
  this->Put("k", "old");
  std::unique_ptr<Transaction> reader = this->engine_->Begin(WriteOptions{.read_only = true});
  this->Put("k", "new");
  EXPECT_THAT(reader->Get("k").value(), Optional(std::string("old")));
  EXPECT_THAT(reader->Scan(Range{}).value(), SizeIs(1));
  EXPECT_TRUE(reader->Commit().ok());

  std::unique_ptr<Transaction> writer = this->engine_->Begin(WriteOptions{.read_only = true});
  writer->Put("k", "mine");
  writer->Delete("other");
  EXPECT_EQ(writer->Commit().code(), Code::kFailedPrecondition);
  EXPECT_THAT(this->Read("k"), Optional(std::string("new")));
}

TYPED_TEST(KvEngineTest, RunTransactionConcurrentIncrementsAreExact) {
  constexpr int kThreads = 8;
  constexpr int kIncrements = 200;
  RetryPolicy policy;
  policy.max_attempts = 100'000;
  policy.max_backoff = std::chrono::microseconds(2'000);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        Status st = RunTransaction(
            *this->engine_,
            [](Transaction& txn) -> Status {
              NASD_ASSIGN_OR_RETURN(std::optional<std::string> value, txn.Get("counter"));
              txn.Put("counter", std::to_string(value ? std::stoi(*value) + 1 : 1));
              return Status::Ok();
            },
            WriteOptions{}, policy);
        if (!st.ok()) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_THAT(this->Read("counter"), Optional(std::to_string(kThreads * kIncrements)));
  EXPECT_EQ(this->engine_->Stats().commits, static_cast<uint64_t>(kThreads * kIncrements));
}

// Transactions copy a into b while blind batches set both to a new value. If a
// batch could land between a transaction's validation of a and its write of b,
// some snapshot would show a != b.
TYPED_TEST(KvEngineTest, BlindBatchesNeverSlipPastValidation) {
  this->Put("a", "0");
  this->Put("b", "0");
  std::atomic<bool> stop{false};
  std::atomic<int> mismatches{0};
  std::atomic<int> errors{0};
  std::thread copier([&] {
    while (!stop.load()) {
      Status st = RunTransaction(*this->engine_, [](Transaction& txn) -> Status {
        NASD_ASSIGN_OR_RETURN(std::optional<std::string> a, txn.Get("a"));
        txn.Put("b", a.value_or("none"));
        return Status::Ok();
      }, WriteOptions{.durable = false});
      // Giving up under this much contention is allowed; anything else is not.
      if (!st.ok() && st.code() != Code::kConflict) errors.fetch_add(1);
    }
  });
  std::thread checker([&] {
    while (!stop.load()) {
      KeyList values;
      std::unique_ptr<Iterator> it = this->engine_->NewIterator(Range{"a", "c"});
      for (; it->Valid(); it->Next()) values.emplace_back(it->value());
      if (values.size() != 2 || values[0] != values[1]) mismatches.fetch_add(1);
    }
  });
  for (int i = 1; i <= 200; ++i) {
    WriteBatch batch;
    batch.Put("a", std::to_string(i));
    batch.Put("b", std::to_string(i));
    ASSERT_TRUE(this->engine_->Write(batch).ok());  // the sync widens the race window
  }
  stop.store(true);
  copier.join();
  checker.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(errors.load(), 0);
}

TYPED_TEST(KvEngineTest, RunTransactionReturnsBodyErrorWithoutCommitting) {
  int calls = 0;
  Status st = RunTransaction(*this->engine_, [&](Transaction& txn) {
    ++calls;
    txn.Put("k", "v");
    return NotFound("parent directory missing");
  });
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_EQ(st.message(), "parent directory missing");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(this->Read("k"), std::nullopt);
  EXPECT_EQ(this->engine_->Stats().commits, 0u);
}

TYPED_TEST(KvEngineTest, RunTransactionGivesUpAfterMaxAttempts) {
  RetryPolicy policy;
  policy.max_attempts = 3;
  int calls = 0;
  Status st = RunTransaction(
      *this->engine_,
      [&](Transaction& txn) -> Status {
        ++calls;
        NASD_RETURN_IF_ERROR(txn.Get("hot").status());
        txn.Put("mine", "x");
        WriteBatch interloper;  // a concurrent writer that always wins
        interloper.Put("hot", std::to_string(calls));
        return this->engine_->Write(interloper);
      },
      WriteOptions{}, policy);
  EXPECT_EQ(st.code(), Code::kConflict);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(this->engine_->Stats().conflicts, 3u);
}

TYPED_TEST(KvEngineTest, StatsAndObserverCountCommits) {
  this->Put("k", "0");
  std::unique_ptr<Transaction> t1 = this->engine_->Begin();
  ASSERT_TRUE(t1->Get("k").ok());
  t1->Put("other", "1");
  std::unique_ptr<Transaction> t2 = this->engine_->Begin();
  t2->Put("k", "2");
  ASSERT_TRUE(t2->Commit().ok());
  ASSERT_EQ(t1->Commit().code(), Code::kConflict);
  EngineStats stats = this->engine_->Stats();
  EXPECT_EQ(stats.commits, 2u);
  EXPECT_EQ(stats.conflicts, 1u);
  EXPECT_EQ(this->observed_ok_.load(), 2);
  EXPECT_EQ(this->observed_failed_.load(), 1);
}

// The stamp moves with every visible commit and with nothing else.
TYPED_TEST(KvEngineTest, ChangeStampMovesWithEveryCommitOnly) {
  auto stamp = [this] {
    std::optional<uint64_t> s = this->engine_->ChangeStamp();
    EXPECT_TRUE(s.has_value());
    return s.value_or(0);
  };
  const uint64_t s0 = stamp();
  this->Put("k", "v");
  const uint64_t s1 = stamp();
  EXPECT_GT(s1, s0);
  // Reads, an abandoned transaction and a read-only one change nothing.
  EXPECT_THAT(this->Read("k"), Optional(std::string("v")));
  {
    std::unique_ptr<Transaction> txn = this->engine_->Begin();
    ASSERT_TRUE(txn->Get("k").ok());
    txn->Put("k", "never");
  }
  {
    std::unique_ptr<Transaction> txn = this->engine_->Begin(WriteOptions{.read_only = true});
    ASSERT_TRUE(txn->Get("k").ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  EXPECT_EQ(stamp(), s1);
  // A committed transaction, durable or not, and a deletion move it.
  for (bool durable : {true, false}) {
    const uint64_t before = stamp();
    std::unique_ptr<Transaction> txn = this->engine_->Begin(WriteOptions{.durable = durable});
    txn->Put("t", durable ? "d" : "n");
    ASSERT_TRUE(txn->Commit().ok());
    EXPECT_GT(stamp(), before);
  }
  const uint64_t s2 = stamp();
  WriteBatch del;
  del.Delete("k");
  ASSERT_TRUE(this->engine_->Write(del).ok());
  EXPECT_GT(stamp(), s2);
  // A failed commit moves nothing.
  const uint64_t s3 = stamp();
  std::unique_ptr<Transaction> loser = this->engine_->Begin();
  ASSERT_TRUE(loser->Get("t").ok());
  this->Put("t", "winner");
  const uint64_t s4 = stamp();
  EXPECT_GT(s4, s3);
  loser->Put("t", "loser");
  EXPECT_EQ(loser->Commit().code(), Code::kConflict);
  EXPECT_EQ(stamp(), s4);
  ASSERT_TRUE(this->engine_->Close().ok());
  EXPECT_EQ(this->engine_->ChangeStamp(), std::nullopt);
}

TYPED_TEST(KvEngineTest, CheckWritableLeavesNoVisibleKey) {
  ASSERT_TRUE(this->engine_->CheckWritable().ok());
  EXPECT_THAT(this->Keys(Range{}), IsEmpty());
}

TYPED_TEST(KvEngineTest, CloseMakesEveryCallUnavailable) {
  this->Put("k", "v");
  std::unique_ptr<Transaction> open_txn = this->engine_->Begin();
  ASSERT_TRUE(open_txn->Get("k").ok());
  std::unique_ptr<Iterator> open_it = this->engine_->NewIterator(Range{});
  ASSERT_TRUE(open_it->Valid());

  ASSERT_TRUE(this->engine_->Close().ok());
  EXPECT_TRUE(this->engine_->Close().ok());  // idempotent

  const Code kUnavailable = Code::kUnavailable;
  EXPECT_EQ(this->engine_->Get("k").status().code(), kUnavailable);
  EXPECT_EQ(this->engine_->Write(WriteBatch()).code(), kUnavailable);
  EXPECT_EQ(this->engine_->CheckWritable().code(), kUnavailable);
  std::unique_ptr<Iterator> it = this->engine_->NewIterator(Range{});
  EXPECT_FALSE(it->Valid());
  EXPECT_EQ(it->status().code(), kUnavailable);
  std::unique_ptr<Transaction> txn = this->engine_->Begin();
  EXPECT_EQ(txn->Get("k").status().code(), kUnavailable);
  EXPECT_EQ(txn->Scan(Range{}).status().code(), kUnavailable);
  txn->Put("k", "v");
  EXPECT_EQ(txn->Commit().code(), kUnavailable);

  open_txn->Put("k", "late");
  EXPECT_EQ(open_txn->Commit().code(), kUnavailable);
  EXPECT_FALSE(open_it->Valid());
  EXPECT_EQ(open_it->status().code(), kUnavailable);
  open_it->Next();
  EXPECT_FALSE(open_it->Valid());
}

}  // namespace
}  // namespace nasd::kv
