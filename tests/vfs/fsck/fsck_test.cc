// fsck finds what it promises (fsck.h) in live and snapshot views, and its
// count repair makes a volume clean again.
#include "vfs/fsck/fsck.h"

#include "kv/retry.h"
#include "meta/keys.h"
#include "meta/share_txn.h"
#include "meta/snapshot_store.h"
#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {
namespace {

template <typename Factory>
class FsckTest : public VfsTest<Factory> {
 protected:
  void SetUp() override {
    VfsTest<Factory>::SetUp();
    this->MkdirP("/d");
    this->MkdirP("/d/e");
    file_ = this->File("/d/f", std::string(2 * kTestBlockSize + 7, 'x'));
    ASSERT_TRUE(this->fs_->Link(this->root, file_, this->Ino("/d/e"), "hard").ok());
    this->File("/small", "hello");
    ASSERT_TRUE(meta::SnapshotStore(*this->kv_, this->fs_->share_id()).Create("s").ok());
    ASSERT_TRUE(this->fs_->Write(this->root, file_, 0, std::string(kTestBlockSize, 'y')).ok());
    ASSERT_TRUE(this->fs_->Fsync(file_).ok());
  }
  fsck::FsckReport Run(fsck::FsckOptions o = {}) {
    auto r = fsck::Check(*this->kv_, *this->chunks_, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : fsck::FsckReport{};
  }
  std::string Kinds(const fsck::FsckReport& r) {
    std::string out;
    for (const auto& p : r.problems) out += p.kind + "@" + p.where + " ";
    return out;
  }
  void Live(const std::function<Status(meta::ShareTxn&)>& fn) {
    Status st = kv::RunTransaction(*this->kv_, [&](kv::Transaction& t) -> Status {
      NASD_ASSIGN_OR_RETURN(meta::ShareTxn txn, meta::ShareTxn::Open(t, this->fs_->share_id()));
      return fn(txn);
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  uint64_t file_ = 0;
};
TYPED_TEST_SUITE(FsckTest, KvFactories, kv::testing::FactoryNames);

TYPED_TEST(FsckTest, AHealthyVolumeIsClean) {
  fsck::FsckReport r = this->Run({.verify_data = true});
  EXPECT_TRUE(r.clean()) << this->Kinds(r);
  EXPECT_EQ(r.views, 2u);  // live and snapshot s
  EXPECT_EQ(r.chunks, 3u);  // a block of 'x', the 7-byte tail, a block of 'y' 
}

TYPED_TEST(FsckTest, FindsNamespaceProblems) {
  this->Live([&](meta::ShareTxn& t) {
    NASD_RETURN_IF_ERROR(t.PutEntry(this->root_, "dangling", {999, meta::FileType::kRegular}));
    meta::InodeRecord orphan;
    orphan.type = meta::FileType::kRegular;
    orphan.nlink = 1;
    NASD_RETURN_IF_ERROR(t.PutInode(777, orphan));
    NASD_ASSIGN_OR_RETURN(auto rec, t.GetInode(this->file_));
    rec->nlink = 5;
    return t.PutInode(this->file_, *rec);
  });
  fsck::FsckReport r = this->Run();
  const std::string kinds = this->Kinds(r);
  EXPECT_NE(kinds.find("dangling_entry@docs:/dangling"), std::string::npos) << kinds;
  EXPECT_NE(kinds.find("orphan_inode@docs:#777"), std::string::npos) << kinds;
  EXPECT_NE(kinds.find("link_count@docs:/d/"), std::string::npos) << kinds;
  EXPECT_EQ(kinds.find("docs@s"), std::string::npos) << "the snapshot's view is intact: " << kinds;
}

TYPED_TEST(FsckTest, FindsMissingChunksAndRepairsCounts) {
  // A count off by one, and a chunk the store lost.
  std::string victim;
  this->Live([&](meta::ShareTxn& t) -> Status {
    NASD_ASSIGN_OR_RETURN(auto b, t.GetBlock(this->file_, 1));
    victim = b->chunk_id;
    return Status::Ok();
  });
  kv::WriteBatch bump;
  std::string three;
  meta::keys::AppendU64(three, 3);
  bump.Put(meta::keys::ChunkRefKey(victim), three);
  ASSERT_TRUE(this->kv_->Write(bump).ok());
  fsck::FsckReport r = this->Run();
  EXPECT_EQ(this->Kinds(r).find("reference_count"), 0u) << this->Kinds(r);
  r = this->Run({.repair_counts = true});
  EXPECT_EQ(r.repaired, 1u);
  EXPECT_TRUE(this->Run().clean());

  ASSERT_TRUE(this->chunks_->Delete(data::ToChunkId(victim)).ok());
  r = this->Run();
  ASSERT_EQ(r.problems.size(), 1u) << this->Kinds(r);
  EXPECT_EQ(r.problems[0].kind, "missing_chunk");
}

}  // namespace
}  // namespace nasd::vfs::testing
