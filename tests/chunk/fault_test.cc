// ChunkStore under injected backend faults: a chunk store never returns bad
// data, and every failure it reports has the right code.
#include <gtest/gtest.h>

#include <chrono>

#include "chunk/chunk_format.h"
#include "chunk/chunk_store.h"
#include "chunk/fault/fault_backend.h"
#include "chunk_test_util.h"

namespace nasd::chunk {
namespace {

using std::chrono::milliseconds;
using testing::RandomBytes;

constexpr uint64_t kSeg = format::kSegmentSize;

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fault = std::make_unique<FaultBackend>(NewMemBackend());
    fault_ = fault.get();
    store_ = std::make_unique<ChunkStore>(std::move(fault));
  }

  FaultBackend* fault_ = nullptr;  // owned by store_
  std::unique_ptr<ChunkStore> store_;
  const std::string data_ = RandomBytes(4 * kSeg + 123, 5);
  const ChunkId id_ = ChunkId::Of(data_);
};

TEST_F(FaultTest, FailedPutReturnsErrorAndLeavesNoChunk) {
  fault_->Inject(FaultOp::kPut, FaultKind::kFail);
  Result<ChunkId> put = store_->Put(data_);
  EXPECT_EQ(put.status().code(), Code::kIoError);
  EXPECT_NE(put.status().message().find("injected fault"), std::string::npos);
  Result<bool> has = store_->Has(id_);
  ASSERT_TRUE(has.ok());
  EXPECT_FALSE(*has);
  EXPECT_EQ(store_->Stats().errors, 1u);
  EXPECT_EQ(store_->Stats().puts, 0u);
  EXPECT_TRUE(store_->Put(data_).ok()) << "the fault fired once only";
}

TEST_F(FaultTest, IdempotentPutDoesNotRewrite) {
  ASSERT_TRUE(store_->Put(data_).ok());
  fault_->Inject(FaultOp::kPut, FaultKind::kFail, FaultBackend::kForever);
  EXPECT_TRUE(store_->Put(data_).ok()) << "an existing chunk is not written again";
  EXPECT_EQ(fault_->fired(), 0u);
}

TEST_F(FaultTest, TornPutIsCorruptionOnEveryRead) {
  fault_->Inject(FaultOp::kPut, FaultKind::kTear);
  ASSERT_TRUE(store_->Put(data_).ok()) << "a torn backend lies about success";
  Result<std::string> got = store_->Get(id_);
  EXPECT_EQ(got.status().code(), Code::kCorruption);
  EXPECT_NE(got.status().message().find(id_.ToHex()), std::string::npos) << got.status().message();
  // The object holds the header and about the first two segments only.
  got = store_->GetRange(id_, 3 * kSeg, 10);
  EXPECT_EQ(got.status().code(), Code::kCorruption);
  EXPECT_NE(got.status().message().find(id_.ToHex()), std::string::npos);
  got = store_->GetRange(id_, 4 * kSeg, 1);
  EXPECT_EQ(got.status().code(), Code::kCorruption);
  // Intact, verified segments are still served.
  got = store_->GetRange(id_, 0, kSeg);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, data_.substr(0, kSeg));
}

TEST_F(FaultTest, PutReplacesATornObject) {
  fault_->Inject(FaultOp::kPut, FaultKind::kTear);
  ASSERT_TRUE(store_->Put(data_).ok());
  ASSERT_TRUE(store_->Put(data_).ok());
  Result<std::string> got = store_->Get(id_);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, data_);
}

TEST_F(FaultTest, CorruptedPutNeverReturnsData) {
  fault_->Inject(FaultOp::kPut, FaultKind::kCorrupt);
  ASSERT_TRUE(store_->Put(data_).ok());
  Result<std::string> got = store_->Get(id_);
  EXPECT_EQ(got.status().code(), Code::kCorruption);
  EXPECT_NE(got.status().message().find("segment 4 crc mismatch"), std::string::npos)
      << got.status().message();
  // The flipped byte is in the last segment: ranges touching it fail...
  EXPECT_EQ(store_->GetRange(id_, data_.size() - 1, 1).status().code(), Code::kCorruption);
  EXPECT_EQ(store_->GetRange(id_, 3 * kSeg, 2 * kSeg).status().code(), Code::kCorruption);
  // ...ranges that do not touch it are verified and served.
  got = store_->GetRange(id_, kSeg, kSeg);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, data_.substr(kSeg, kSeg));
}

TEST_F(FaultTest, CorruptionOnReadIsDetected) {
  ASSERT_TRUE(store_->Put(data_).ok());
  fault_->Inject(FaultOp::kRead, FaultKind::kCorrupt);
  EXPECT_EQ(store_->Get(id_).status().code(), Code::kCorruption);
  Result<std::string> got = store_->Get(id_);
  ASSERT_TRUE(got.ok()) << "the stored chunk is intact: " << got.status().ToString();
  EXPECT_EQ(*got, data_);

  fault_->Inject(FaultOp::kRead, FaultKind::kCorrupt, FaultBackend::kForever);
  EXPECT_EQ(store_->GetRange(id_, 0, 10).status().code(), Code::kCorruption);
  EXPECT_EQ(store_->GetRange(id_, 2 * kSeg, kSeg).status().code(), Code::kCorruption);
  fault_->Clear();
  EXPECT_TRUE(store_->GetRange(id_, 0, 10).ok());
}

TEST_F(FaultTest, ShortReadIsCorruption) {
  ASSERT_TRUE(store_->Put(data_).ok());
  fault_->Inject(FaultOp::kRead, FaultKind::kTear);
  EXPECT_EQ(store_->Get(id_).status().code(), Code::kCorruption);
  // Every read of a range request comes back short: the header prefix still
  // decodes, the segment read does not.
  fault_->Inject(FaultOp::kRead, FaultKind::kTear, FaultBackend::kForever);
  EXPECT_EQ(store_->GetRange(id_, 2 * kSeg, 10).status().code(), Code::kCorruption);
  EXPECT_EQ(fault_->fired(), 3u);
}

TEST_F(FaultTest, DelayedReadStillSucceeds) {
  ASSERT_TRUE(store_->Put(data_).ok());
  fault_->Inject(FaultOp::kRead, FaultKind::kDelay, 1, milliseconds(100));
  const auto start = std::chrono::steady_clock::now();
  Result<std::string> got = store_->Get(id_);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, data_);
  EXPECT_GE(elapsed, milliseconds(100));
  EXPECT_EQ(fault_->fired(), 1u);
}

TEST_F(FaultTest, StatsCountCorruptionsAndErrors) {
  ASSERT_TRUE(store_->Put(data_).ok());
  fault_->Inject(FaultOp::kRead, FaultKind::kCorrupt, 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(store_->Get(id_).status().code(), Code::kCorruption);
  fault_->Inject(FaultOp::kAny, FaultKind::kFail, 2);
  EXPECT_EQ(store_->Get(id_).status().code(), Code::kIoError);
  EXPECT_EQ(store_->Has(id_).status().code(), Code::kIoError);
  EXPECT_EQ(store_->Get(ChunkId::Of("absent")).status().code(), Code::kNotFound);
  const ChunkStoreStats stats = store_->Stats();
  EXPECT_EQ(stats.corruptions, 3u);
  EXPECT_EQ(stats.errors, 2u);
  EXPECT_EQ(stats.gets, 0u);
}

TEST_F(FaultTest, FailuresOfEveryOperationPropagate) {
  ASSERT_TRUE(store_->Put(data_).ok());
  fault_->Inject(FaultOp::kStat, FaultKind::kFail);
  EXPECT_EQ(store_->Has(id_).status().code(), Code::kIoError);
  fault_->Inject(FaultOp::kDelete, FaultKind::kFail);
  EXPECT_EQ(store_->Delete(id_).code(), Code::kIoError);
  fault_->Inject(FaultOp::kList, FaultKind::kFail);
  EXPECT_EQ(store_->List([](const ChunkId&) { return true; }).code(), Code::kIoError);
  fault_->Inject(FaultOp::kPut, FaultKind::kFail);
  EXPECT_EQ(store_->CheckWritable().code(), Code::kIoError);
  EXPECT_TRUE(store_->CheckWritable().ok());
  EXPECT_EQ(fault_->fired(), 4u);
}

TEST_F(FaultTest, DataFaultsNeverFireOnMetadataOperations) {
  ASSERT_TRUE(store_->Put(data_).ok());
  fault_->Inject(FaultOp::kAny, FaultKind::kCorrupt);
  EXPECT_TRUE(store_->Has(id_).ok());
  EXPECT_TRUE(store_->List([](const ChunkId&) { return true; }).ok());
  EXPECT_EQ(fault_->fired(), 0u);
  EXPECT_EQ(store_->Get(id_).status().code(), Code::kCorruption);
  EXPECT_EQ(fault_->fired(), 1u);
}

TEST(FaultLocalTest, TornPutOnLocalDiskIsCorruption) {
  testutil::TempDir dir;
  auto local = OpenLocalBackend(dir.Sub("chunks"));
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  auto fault = std::make_unique<FaultBackend>(std::move(local).value());
  FaultBackend* f = fault.get();
  ChunkStore store(std::move(fault));
  const std::string data = RandomBytes(200000, 8);
  f->Inject(FaultOp::kPut, FaultKind::kTear);
  Result<ChunkId> id = store.Put(data);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(store.Get(*id).status().code(), Code::kCorruption);
  EXPECT_EQ(store.OpenFile(*id).status().code(), Code::kCorruption);
  EXPECT_EQ(store.Stats().corruptions, 2u);
}

}  // namespace
}  // namespace nasd::chunk
