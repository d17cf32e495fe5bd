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
  // A regular file's inode record (nlink 1) with inline data, no entry.
  static Status PutFile(meta::ShareTxn& t, uint64_t ino, std::string_view data) {
    meta::InodeRecord file;
    file.type = meta::FileType::kRegular;
    file.nlink = 1;
    file.size = data.size();
    NASD_RETURN_IF_ERROR(t.PutInode(ino, file));
    return data.empty() ? Status::Ok() : t.PutData(ino, data);
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
  // The chunk of 'x' bytes, and the file that lost it, by path: block 1,
  // and block 0 as the snapshot sees it (live overwrote it with 'y').
  ASSERT_EQ(r.problems.size(), 3u) << this->Kinds(r);
  EXPECT_EQ(r.problems[0].kind, "missing_chunk");
  const std::string hex = data::ToChunkId(victim).ToHex();
  EXPECT_EQ(r.problems[1].kind, "damaged_file");
  EXPECT_EQ(r.problems[1].where, "docs:/d/f");
  EXPECT_EQ(r.problems[1].detail, "block 0 as snapshots from epoch 1 see it: chunk " + hex + " is missing");
  EXPECT_EQ(r.problems[2].where, "docs:/d/f");
  EXPECT_EQ(r.problems[2].detail, "block 1: chunk " + hex + " is missing");
  r = this->Run({.verify_data = true});
  EXPECT_NE(this->Kinds(r).find("damaged_file@docs:/d/f"), std::string::npos) << this->Kinds(r);
}

TYPED_TEST(FsckTest, RepairMovesOrphansToLostFound) {
  // A file and a directory holding another file, all unreachable.
  this->Live([&](meta::ShareTxn& t) -> Status {
    NASD_RETURN_IF_ERROR(this->PutFile(t, 777, "hello"));
    meta::InodeRecord dir;
    dir.type = meta::FileType::kDirectory;
    dir.nlink = 2;
    dir.parent = 4242;
    NASD_RETURN_IF_ERROR(t.PutInode(778, dir));
    NASD_RETURN_IF_ERROR(this->PutFile(t, 779, "inner"));
    return t.PutEntry(778, "inner", {779, meta::FileType::kRegular});
  });
  fsck::FsckReport r = this->Run();
  EXPECT_NE(this->Kinds(r).find("orphan_inode@docs:#777"), std::string::npos) << this->Kinds(r);
  EXPECT_TRUE(r.moved.empty());
  EXPECT_EQ(this->fs_->Lookup(this->root, this->root_, "lost+found").status().code(), Code::kNotFound);

  r = this->Run({.move_orphans = true});
  EXPECT_EQ(r.moved, (std::vector<std::string>{"docs:#777 -> docs:/lost+found/777",
                                               "docs:#778 -> docs:/lost+found/778"}));
  fsck::FsckReport after = this->Run({.verify_data = true});
  EXPECT_TRUE(after.clean()) << this->Kinds(after);
  EXPECT_EQ(*this->fs_->Read(this->Ino("/lost+found/777"), 0, 10), "hello");
  EXPECT_EQ(*this->fs_->Read(this->Ino("/lost+found/778/inner"), 0, 10), "inner");
  auto lf = this->fs_->GetAttr(this->Ino("/lost+found"));
  ASSERT_TRUE(lf.ok());
  EXPECT_EQ(lf->mode & 07777, 0700u);
  EXPECT_EQ(lf->nlink, 3u);  // itself, '.', and 778's '..'

  // A second orphan reuses it; a /lost+found that is not a directory is left alone.
  this->Live([&](meta::ShareTxn& t) { return this->PutFile(t, 780, ""); });
  r = this->Run({.move_orphans = true});
  EXPECT_EQ(r.moved, std::vector<std::string>{"docs:#780 -> docs:/lost+found/780"});
  ASSERT_TRUE(this->fs_->Rename(this->root, this->root_, "lost+found", this->root_, "found").ok());
  this->File("/lost+found", "not a directory");
  this->Live([&](meta::ShareTxn& t) { return this->PutFile(t, 781, ""); });
  r = this->Run({.move_orphans = true});
  EXPECT_TRUE(r.moved.empty());
  EXPECT_NE(this->Kinds(r).find("orphan_not_moved@docs:#781"), std::string::npos) << this->Kinds(r);
  EXPECT_EQ(*this->fs_->Read(this->Ino("/lost+found"), 0, 100), "not a directory");
}

TYPED_TEST(FsckTest, RepairRenamesARealSnapshotsEntryTheFolderHides) {
  // A file named .snapshots in the root, as a volume from before snapshots
  // (or a bug) could hold: every protocol sees the snapshots folder instead.
  this->Live([&](meta::ShareTxn& t) -> Status {
    NASD_RETURN_IF_ERROR(this->PutFile(t, 790, "mine"));
    return t.PutEntry(this->root_, ".snapshots", {790, meta::FileType::kRegular});
  });
  EXPECT_EQ(this->Stat("/.snapshots").type, meta::FileType::kDirectory);
  fsck::FsckReport r = this->Run();
  ASSERT_EQ(r.problems.size(), 1u) << this->Kinds(r);
  EXPECT_EQ(r.problems[0].kind, "shadowed_entry");
  EXPECT_EQ(r.problems[0].where, "docs:/.snapshots");
  r = this->Run({.move_orphans = true});
  EXPECT_EQ(r.moved, std::vector<std::string>{"docs:/.snapshots -> docs:/.snapshots.790"});
  fsck::FsckReport after = this->Run();
  EXPECT_TRUE(after.clean()) << this->Kinds(after);
  EXPECT_EQ(*this->fs_->Read(this->Ino("/.snapshots.790"), 0, 10), "mine");
  EXPECT_EQ(this->Stat("/.snapshots/s").type, meta::FileType::kDirectory);  // the folder still works
}

}  // namespace
}  // namespace nasd::vfs::testing
