// A share's metadata on every KV engine, with helpers to write records at
// the live epoch and read them at any epoch (snapshot tests of meta/).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "kv/engine_factories.h"
#include "kv/retry.h"
#include "meta/chunk_refs.h"
#include "meta/keys.h"
#include "meta/share_fs.h"
#include "meta/share_txn.h"
#include "meta/snapshot_store.h"

namespace nasd::meta::testing {

inline constexpr uint64_t kShare = 7;

template <typename Factory>
class SnapshotFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = factory_.Open();
    ASSERT_NE(kv_, nullptr);
    ASSERT_TRUE(EnsureShareFs(*kv_, kShare, 1).ok());
    store_ = std::make_unique<SnapshotStore>(*kv_, kShare);
  }
  // Runs fn on the share at epoch (0: live) in one committed transaction.
  Status At(uint64_t epoch, const std::function<Status(ShareTxn&)>& fn) {
    return kv::RunTransaction(*kv_, [&](kv::Transaction& t) -> Status {
      Result<ShareTxn> txn =
          epoch == 0 ? ShareTxn::Open(t, kShare) : ShareTxn::OpenAt(t, kShare, epoch);
      NASD_RETURN_IF_ERROR(txn.status());
      return fn(*txn);
    });
  }
  void Live(const std::function<Status(ShareTxn&)>& fn) {
    Status st = At(0, fn);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  uint64_t LiveEpoch() {
    uint64_t e = 0;
    EXPECT_TRUE(At(0, [&](ShareTxn& t) {
                  e = t.epoch();
                  return Status::Ok();
                }).ok());
    return e;
  }
  Status PutFile(uint64_t ino, uint64_t size) {
    return At(0, [&](ShareTxn& t) {
      InodeRecord rec;
      rec.type = FileType::kRegular;
      rec.nlink = 1;
      rec.size = size;
      return t.PutInode(ino, rec);
    });
  }
  // The inode's size at epoch (0: live); ~0 when absent.
  uint64_t SizeAt(uint64_t epoch, uint64_t ino) {
    uint64_t size = ~uint64_t{0};
    EXPECT_TRUE(At(epoch, [&](ShareTxn& t) -> Status {
                  NASD_ASSIGN_OR_RETURN(auto rec, t.GetInode(ino));
                  if (rec) size = rec->size;
                  return Status::Ok();
                }).ok());
    return size;
  }
  // The chunk of block 0 of ino at epoch (0: live); "" when none.
  std::string ChunkAt(uint64_t epoch, uint64_t ino) {
    std::string out;
    EXPECT_TRUE(At(epoch, [&](ShareTxn& t) -> Status {
                  NASD_ASSIGN_OR_RETURN(auto rec, t.GetBlock(ino, 0));
                  if (rec) out = rec->chunk_id;
                  return Status::Ok();
                }).ok());
    return out;
  }
  uint64_t Refs(const std::string& chunk) {
    uint64_t n = 0;
    EXPECT_TRUE(kv::RunTransaction(*kv_, [&](kv::Transaction& t) -> Status {
                  NASD_ASSIGN_OR_RETURN(n, ChunkRefCount(t, chunk));
                  return Status::Ok();
                }).ok());
    return n;
  }
  bool Zero(const std::string& chunk) { return kv_->Get(keys::ZeroRefKey(chunk))->has_value(); }
  // How many keys (versions) of the share's records of tag exist.
  size_t Versions(char tag) {
    auto all = kv_->Begin()->Scan(kv::Range::Prefix(keys::TagPrefix(kShare, tag)));
    EXPECT_TRUE(all.ok());
    return all.ok() ? all->size() : 0;
  }
  SnapshotInfo Snap(std::string_view name) {
    auto s = store_->Create(name);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : SnapshotInfo{};
  }

  Factory factory_;
  std::unique_ptr<kv::KvEngine> kv_;
  std::unique_ptr<SnapshotStore> store_;
};

using SnapshotFactories = ::testing::Types<kv::testing::MemFactory, kv::testing::RocksDbFactory>;

}  // namespace nasd::meta::testing
