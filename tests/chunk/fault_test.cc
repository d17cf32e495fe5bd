// ChunkStore under injected backend faults: a chunk store never returns bad
// data, and every failure it reports has the right code.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "chunk/chunk_format.h"
#include "chunk/chunk_store.h"
#include "chunk/fault/fault_backend.h"
#include "chunk_test_util.h"

namespace nasd::chunk {
namespace {

using std::chrono::milliseconds;
using testing::RandomBytes;

constexpr uint64_t kSeg = format::kSegmentSize;

// Every test runs with both ways Put works: hash first, then write; or
// write a staged object while a helper thread hashes.
enum class PutPath { kHashFirst, kOverlapped };

class FaultTest : public ::testing::TestWithParam<PutPath> {
 protected:
  void SetUp() override {
    auto fault = std::make_unique<FaultBackend>(NewMemBackend());
    fault_ = fault.get();
    store_ = std::make_unique<ChunkStore>(std::move(fault), Options());
  }

  static ChunkStoreOptions Options() {
    return GetParam() == PutPath::kHashFirst ? testing::HashFirstOptions()
                                             : testing::OverlappedOptions();
  }

  FaultBackend* fault_ = nullptr;  // owned by store_
  std::unique_ptr<ChunkStore> store_;
  const std::string data_ = RandomBytes(4 * kSeg + 123, 5);
  const ChunkId id_ = ChunkId::Of(data_);
};

TEST_P(FaultTest, FailedPutReturnsErrorAndLeavesNoChunk) {
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

TEST_P(FaultTest, IdempotentPutDoesNotRewrite) {
  ASSERT_TRUE(store_->Put(data_).ok());
  fault_->Inject(FaultOp::kPut, FaultKind::kFail, FaultBackend::kForever);
  EXPECT_TRUE(store_->Put(data_).ok()) << "an existing chunk is not written again";
  EXPECT_EQ(fault_->fired(), 0u);
}

TEST_P(FaultTest, TornPutIsCorruptionOnEveryRead) {
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

TEST_P(FaultTest, PutReplacesATornObject) {
  fault_->Inject(FaultOp::kPut, FaultKind::kTear);
  ASSERT_TRUE(store_->Put(data_).ok());
  ASSERT_TRUE(store_->Put(data_).ok());
  Result<std::string> got = store_->Get(id_);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, data_);
}

TEST_P(FaultTest, CorruptedPutNeverReturnsData) {
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

TEST_P(FaultTest, CorruptionOnReadIsDetected) {
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

TEST_P(FaultTest, ShortReadIsCorruption) {
  ASSERT_TRUE(store_->Put(data_).ok());
  fault_->Inject(FaultOp::kRead, FaultKind::kTear);
  EXPECT_EQ(store_->Get(id_).status().code(), Code::kCorruption);
  // Every read of a range request comes back short: the header prefix still
  // decodes, the segment read does not.
  fault_->Inject(FaultOp::kRead, FaultKind::kTear, FaultBackend::kForever);
  EXPECT_EQ(store_->GetRange(id_, 2 * kSeg, 10).status().code(), Code::kCorruption);
  EXPECT_EQ(fault_->fired(), 3u);
}

TEST_P(FaultTest, DelayedReadStillSucceeds) {
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

TEST_P(FaultTest, StatsCountCorruptionsAndErrors) {
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

TEST_P(FaultTest, FailuresOfEveryOperationPropagate) {
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

TEST_P(FaultTest, DataFaultsNeverFireOnMetadataOperations) {
  ASSERT_TRUE(store_->Put(data_).ok());
  fault_->Inject(FaultOp::kAny, FaultKind::kCorrupt);
  EXPECT_TRUE(store_->Has(id_).ok());
  EXPECT_TRUE(store_->List([](const ChunkId&) { return true; }).ok());
  EXPECT_EQ(fault_->fired(), 0u);
  EXPECT_EQ(store_->Get(id_).status().code(), Code::kCorruption);
  EXPECT_EQ(fault_->fired(), 1u);
}

TEST_P(FaultTest, FailedStagedWriteLeavesNoChunk) {
  // kWrite fires on BeginPut, Append and Sync: let `skip` of them pass
  // (a zero delay still counts as the call's fault) and fail the next.
  for (int skip = 0; skip < 3; ++skip) {
    SCOPED_TRACE(skip);
    if (skip > 0) fault_->Inject(FaultOp::kWrite, FaultKind::kDelay, skip);
    fault_->Inject(FaultOp::kWrite, FaultKind::kFail);
    Result<ChunkId> put = store_->Put(data_);
    EXPECT_EQ(put.status().code(), Code::kIoError);
    EXPECT_NE(put.status().message().find("injected fault"), std::string::npos);
    EXPECT_EQ(fault_->fired(), static_cast<uint64_t>((skip + 1) * (skip + 2) / 2));
    EXPECT_EQ(store_->Usage().chunks, 0u);
  }
  EXPECT_EQ(store_->Stats().errors, 3u);
  EXPECT_EQ(store_->Stats().puts, 0u);
  ASSERT_TRUE(store_->Put(data_).ok());
  Result<std::string> got = store_->Get(id_);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == data_);
}

TEST(FaultStagedPutTest, AFailedWriteAbortsTheStagedPut) {
  FaultBackend fault(NewMemBackend());
  for (int skip = 0; skip < 2; ++skip) {  // fail Append, then Sync
    SCOPED_TRACE(skip);
    auto pending = fault.BeginPut();
    ASSERT_TRUE(pending.ok()) << pending.status().ToString();
    const std::string_view parts[] = {"some", "bytes"};
    if (skip > 0) {
      ASSERT_TRUE((*pending)->Append(parts).ok());
    }
    fault.Inject(FaultOp::kWrite, FaultKind::kFail);
    const Status st = skip == 0 ? (*pending)->Append(parts) : (*pending)->Sync();
    EXPECT_EQ(st.code(), Code::kIoError);
    EXPECT_EQ((*pending)->Commit("obj").code(), Code::kFailedPrecondition)
        << "a staged put that failed can never publish what it got so far";
    EXPECT_EQ(fault.ObjectSize("obj").status().code(), Code::kNotFound);
  }
}

INSTANTIATE_TEST_SUITE_P(PutPaths, FaultTest,
                         ::testing::Values(PutPath::kHashFirst, PutPath::kOverlapped),
                         [](const ::testing::TestParamInfo<PutPath>& info) {
                           return info.param == PutPath::kHashFirst ? "hash_first" : "overlapped";
                         });

// A fault-wrapped local backend, checked for leftover temporaries.
class FaultLocalTest : public ::testing::TestWithParam<PutPath> {
 protected:
  void SetUp() override {
    auto local = OpenLocalBackend(root_);
    ASSERT_TRUE(local.ok()) << local.status().ToString();
    auto fault = std::make_unique<FaultBackend>(std::move(local).value());
    fault_ = fault.get();
    store_ = std::make_unique<ChunkStore>(std::move(fault), GetParam() == PutPath::kHashFirst
                                                                ? testing::HashFirstOptions()
                                                                : testing::OverlappedOptions());
  }

  size_t Temporaries() const { return testing::CountFiles(std::filesystem::path(root_) / "tmp"); }

  testutil::TempDir dir_;
  const std::string root_ = dir_.Sub("chunks");
  FaultBackend* fault_ = nullptr;  // owned by store_
  std::unique_ptr<ChunkStore> store_;
};

TEST_P(FaultLocalTest, FailedPutsLeaveNoTemporary) {
  const std::string data = RandomBytes(300000, 9);
  // Fail the write at BeginPut, Append, Sync (kWrite), then at Commit (kPut).
  for (int skip = 0; skip < 4; ++skip) {
    SCOPED_TRACE(skip);
    if (skip > 0) fault_->Inject(FaultOp::kWrite, FaultKind::kDelay, skip);
    fault_->Inject(skip < 3 ? FaultOp::kWrite : FaultOp::kPut, FaultKind::kFail);
    EXPECT_EQ(store_->Put(data).status().code(), Code::kIoError);
    EXPECT_EQ(Temporaries(), 0u);
    EXPECT_EQ(store_->Usage().chunks, 0u);
    fault_->Clear();
  }
  Result<ChunkId> id = store_->Put(data);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(Temporaries(), 0u);
  Result<std::string> got = store_->Get(*id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == data);
}

TEST_P(FaultLocalTest, TornPutOnLocalDiskIsCorruption) {
  const std::string data = RandomBytes(200000, 8);
  fault_->Inject(FaultOp::kPut, FaultKind::kTear);
  Result<ChunkId> id = store_->Put(data);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(store_->Get(*id).status().code(), Code::kCorruption);
  EXPECT_EQ(store_->OpenFile(*id).status().code(), Code::kCorruption);
  EXPECT_EQ(store_->Stats().corruptions, 2u);
  EXPECT_EQ(Temporaries(), 0u);
}

INSTANTIATE_TEST_SUITE_P(PutPaths, FaultLocalTest,
                         ::testing::Values(PutPath::kHashFirst, PutPath::kOverlapped),
                         [](const ::testing::TestParamInfo<PutPath>& info) {
                           return info.param == PutPath::kHashFirst ? "hash_first" : "overlapped";
                         });

}  // namespace
}  // namespace nasd::chunk
