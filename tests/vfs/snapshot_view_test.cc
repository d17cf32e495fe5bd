// Snapshot views through the Filesystem API: /.snapshots/NAME/ shows the share
// as it was, with inode numbers of its own, refuses every write with EROFS,
// and is never served stale or live data by the write-back buffers or caches.
#include <cerrno>

#include <map>

#include "kv/retry.h"
#include "meta/share_txn.h"
#include "meta/snapshot_store.h"
#include "vfs/snapshot/snapshot_ino.h"
#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {
namespace {

template <typename Factory>
class SnapshotViewTest : public VfsTest<Factory> {
 protected:
  meta::SnapshotInfo Snap(std::string_view name) {
    meta::SnapshotStore store(*this->kv_, this->fs_->share_id());
    auto s = store.Create(name);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : meta::SnapshotInfo{};
  }
  std::string ReadAll(uint64_t ino) {
    auto r = this->fs_->Read(ino, 0, 1 << 20);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : "<error>";
  }
};
TYPED_TEST_SUITE(SnapshotViewTest, KvFactories, kv::testing::FactoryNames);

TYPED_TEST(SnapshotViewTest, ViewShowsTheTreeAsItWasWithItsOwnInodeNumbers) {
  const std::string big_old(3 * kTestBlockSize + 100, 'o');
  this->MkdirP("/d");
  const uint64_t small = this->File("/d/small", "old small");
  const uint64_t big = this->File("/d/big", big_old);
  this->File("/gone", "bye");
  const meta::SnapshotInfo s = this->Snap("s1");

  // The live tree changes after the snapshot.
  ASSERT_TRUE(this->fs_->Write(this->root, small, 0, "NEW").ok());
  ASSERT_TRUE(this->fs_->Write(this->root, big, kTestBlockSize + 5, "XYZ").ok());
  ASSERT_TRUE(this->fs_->Fsync(big).ok());
  ASSERT_TRUE(this->fs_->Unlink(this->root, this->root_, "gone").ok());
  this->File("/d/new", "n");

  EXPECT_EQ(this->Ino("/.snapshots"), kSnapshotsDirIno);
  const uint64_t view_root = this->Ino("/.snapshots/s1");
  EXPECT_EQ(view_root, ViewIno(s.epoch, this->root_));
  const uint64_t view_small = this->Ino("/.snapshots/s1/d/small");
  const uint64_t view_big = this->Ino("/.snapshots/s1/d/big");
  EXPECT_EQ(view_small, ViewIno(s.epoch, small));
  EXPECT_TRUE(IsViewIno(view_big));
  EXPECT_EQ(this->ReadAll(view_small), "old small");
  EXPECT_EQ(this->ReadAll(view_big), big_old);
  EXPECT_EQ(this->fs_->GetAttr(view_big)->size, big_old.size());
  EXPECT_EQ(this->ReadAll(small), "NEW small");
  EXPECT_EQ(this->ReadAll(big).substr(kTestBlockSize + 4, 5), "oXYZo");
  EXPECT_NE(this->Ino("/.snapshots/s1/gone"), 0u);
  EXPECT_EQ(this->Ino("/gone"), 0u);
  EXPECT_EQ(this->Ino("/.snapshots/s1/d/new"), 0u);
  EXPECT_EQ(this->Names(this->Ino("/.snapshots/s1/d")), (std::vector<std::string>{"big", "small"}));
  EXPECT_EQ(this->Names(kSnapshotsDirIno), (std::vector<std::string>{"s1"}));

  // A path walk crosses into the view as chained lookups do.
  std::vector<Attr> found;
  const std::vector<std::string> names{".snapshots", "s1", "d", "small"};
  ASSERT_TRUE(this->fs_->LookupPath(this->root, this->root_, names, &found).ok());
  ASSERT_EQ(found.size(), 4u);
  EXPECT_EQ(found[0].ino, kSnapshotsDirIno);
  EXPECT_EQ(found[1].ino, view_root);
  EXPECT_EQ(found[3].ino, view_small);
  const std::vector<std::string> gone{".snapshots", "s1", "d", "new"};
  EXPECT_EQ(ErrnoOf(this->fs_->LookupPath(this->root, this->root_, gone, &found)), ENOENT);
  EXPECT_EQ(found.size(), 3u);

  // ".." climbs out of the view into /.snapshots and back to the live root.
  EXPECT_EQ(this->fs_->Lookup(this->root, view_root, "..")->ino, kSnapshotsDirIno);
  EXPECT_EQ(this->fs_->Lookup(this->root, kSnapshotsDirIno, "..")->ino, this->root_);
  EXPECT_EQ(this->fs_->Lookup(this->root, this->Ino("/.snapshots/s1/d"), "..")->ino, view_root);
  auto page = this->fs_->ReadDir(this->root, view_root, Filesystem::kCookieStart, 10);
  ASSERT_TRUE(page.ok());
  for (const DirEntry& e : page->entries) {
    EXPECT_TRUE(IsViewIno(e.ino)) << e.name;
    if (e.name == "..") {
      EXPECT_EQ(e.ino, kSnapshotsDirIno);
    }
  }
  // The root never lists .snapshots, but reaches it by name.
  EXPECT_EQ(this->Names(this->root_), (std::vector<std::string>{"d"}));
}

// Every name of dir's listing by fs, in pages of max entries, with the
// inode each was listed with.
std::multimap<std::string, uint64_t> ListAll(Filesystem& fs, uint64_t dir, size_t max) {
  std::multimap<std::string, uint64_t> out;
  uint64_t cookie = Filesystem::kCookieStart;
  for (int pages = 0; pages < 1000; ++pages) {
    auto page = fs.ReadDir(Caller::Root(), dir, cookie, max);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) break;
    for (const DirEntry& e : page->entries) {
      if (e.name != "." && e.name != "..") out.emplace(e.name, e.ino);
      cookie = e.cookie;
    }
    if (page->eof) break;
  }
  return out;
}

TYPED_TEST(SnapshotViewTest, TheRootListsSnapshotsOnlyWhenConfigured) {
  std::multimap<std::string, uint64_t> want;
  for (int i = 0; i < 12; ++i) {
    const std::string name = "f" + std::to_string(i);
    want.emplace(name, this->File("/" + name, "x"));
  }
  this->Snap("s");
  FilesystemOptions options;
  options.block_size = kTestBlockSize;
  options.list_snapshots = true;
  auto visible = Filesystem::Open(*this->kv_, *this->chunks_, "docs", options);
  ASSERT_TRUE(visible.ok()) << visible.status().ToString();
  std::multimap<std::string, uint64_t> with = want;
  with.emplace(".snapshots", kSnapshotsDirIno);
  for (size_t max : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{100}}) {
    SCOPED_TRACE("pages of " + std::to_string(max));
    EXPECT_EQ(ListAll(*this->fs_, this->root_, max), want);
    EXPECT_EQ(ListAll(**visible, this->root_, max), with);
  }

  // A real entry named .snapshots (from before snapshots existed) is hidden:
  // lookups and listings show the folder, once.
  ASSERT_TRUE(kv::RunTransaction(*this->kv_, [&](kv::Transaction& t) -> Status {
                NASD_ASSIGN_OR_RETURN(meta::ShareTxn txn, meta::ShareTxn::Open(t, this->fs_->share_id()));
                return txn.PutEntry(this->root_, ".snapshots", {want.begin()->second, FileType::kRegular});
              }).ok());
  for (size_t max : {size_t{1}, size_t{3}, size_t{100}}) {
    SCOPED_TRACE("pages of " + std::to_string(max));
    EXPECT_EQ(ListAll(*this->fs_, this->root_, max), want);
    EXPECT_EQ(ListAll(**visible, this->root_, max), with);
  }
  EXPECT_EQ(this->Ino("/.snapshots"), kSnapshotsDirIno);
}

TYPED_TEST(SnapshotViewTest, EveryWriteIntoAViewFailsWithEROFS) {
  const uint64_t f = this->File("/f", "data");
  this->MkdirP("/dir");
  this->Snap("s");
  const uint64_t vroot = this->Ino("/.snapshots/s");
  const uint64_t vf = this->Ino("/.snapshots/s/f");
  ASSERT_TRUE(IsViewIno(vf));
  const Caller& r = this->root;
  SetAttrRequest chmod;
  chmod.mode = 0600;
  EXPECT_EQ(ErrnoOf(this->fs_->Write(r, vf, 0, "x").status()), EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->SetAttr(r, vf, chmod).status()), EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->OpenFile(r, vf, OpenFlags{.read = true, .write = true}).status()), EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->Create(r, vroot, "new", 0644, true).status()), EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->Mkdir(r, vroot, "nd", 0755).status()), EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->Symlink(r, vroot, "l", "f").status()), EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->Unlink(r, vroot, "f")), EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->Rmdir(r, vroot, "dir")), EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->Rename(r, vroot, "f", this->root_, "g")), EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->Rename(r, this->root_, "f", vroot, "g")), EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->Link(r, f, vroot, "hard").status()), EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->SetXattr(r, vf, "user.a", "b")), EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->RemoveXattr(r, vf, "user.a")), EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->CreateTemp(r, this->fs_->GetAttr(vroot).value(), 0644).status()),
            EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->Access(r, vf, kAccessWrite)), EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->Mkdir(r, kSnapshotsDirIno, "x", 0755).status()), EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->Rmdir(r, this->root_, ".snapshots")), EROFS);
  EXPECT_EQ(ErrnoOf(this->fs_->Mkdir(r, this->root_, ".snapshots", 0755).status()), EEXIST);
  EXPECT_TRUE(this->fs_->Access(r, vf, kAccessRead).ok());
  // Reaching /.snapshots needs search permission on the root, like any entry.
  SetAttrRequest closed;
  closed.mode = 0700;
  ASSERT_TRUE(this->fs_->SetAttr(r, this->root_, closed).ok());
  EXPECT_EQ(ErrnoOf(this->fs_->Lookup(Caller{1000, 1000, {}}, this->root_, ".snapshots").status()), EACCES);
  EXPECT_TRUE(this->fs_->Lookup(r, this->root_, ".snapshots").ok());
  EXPECT_TRUE(this->fs_->OpenFile(r, vf, OpenFlags{.read = true}).ok());
  EXPECT_EQ(this->ReadAll(vf), "data");  // nothing changed it
  EXPECT_EQ(this->ReadAll(f), "data");
}

TYPED_TEST(SnapshotViewTest, BufferedAndCachedBytesNeverCrossTheEpoch) {
  const std::string old_bytes(2 * kTestBlockSize, 'a');
  const uint64_t f = this->File("/f", old_bytes);
  EXPECT_EQ(this->ReadAll(f), old_bytes);  // the block cache now holds the old chunks
  // Buffered (not yet committed) bytes are not part of the snapshot.
  ASSERT_TRUE(this->fs_->Write(this->root, f, 0, "buffered").ok());
  this->Snap("s");
  const uint64_t vf = this->Ino("/.snapshots/s/f");
  EXPECT_EQ(this->ReadAll(vf), old_bytes);
  std::string now = old_bytes;
  now.replace(0, 8, "buffered");
  EXPECT_EQ(this->ReadAll(f), now);  // the live file sees its own write
  EXPECT_EQ(this->ReadAll(vf), old_bytes);
  ASSERT_TRUE(this->fs_->Write(this->root, f, kTestBlockSize, "second").ok());
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  now.replace(kTestBlockSize, 6, "second");
  EXPECT_EQ(this->ReadAll(f), now);
  EXPECT_EQ(this->ReadAll(vf), old_bytes);
  EXPECT_EQ(this->fs_->GetAttr(vf)->size, old_bytes.size());
}

TYPED_TEST(SnapshotViewTest, ADeletedSnapshotsInodesAreStale) {
  this->File("/f", "x");
  const meta::SnapshotInfo s = this->Snap("s");
  const uint64_t vf = this->Ino("/.snapshots/s/f");
  ASSERT_TRUE(this->fs_->GetAttr(vf).ok());
  meta::SnapshotStore store(*this->kv_, this->fs_->share_id());
  ASSERT_TRUE(store.Delete("s").ok());
  EXPECT_EQ(this->fs_->GetAttr(vf).status().code(), Code::kStale);
  EXPECT_EQ(this->fs_->Read(vf, 0, 1).status().code(), Code::kStale);
  EXPECT_EQ(this->fs_->Lookup(this->root, kSnapshotsDirIno, "s").status().code(), Code::kNotFound);
  EXPECT_EQ(this->Names(kSnapshotsDirIno), std::vector<std::string>{});
  EXPECT_EQ(this->fs_->GetAttr(ViewIno(s.epoch + 5, this->root_)).status().code(), Code::kStale);
}

}  // namespace
}  // namespace nasd::vfs::testing
