// Effects of each operation beyond its errno: link counts, times, types,
// data, and what the tree looks like afterwards.
#include <sys/stat.h>

#include "vfs/data/layout.h"
#include "vfs/s3_chunks.h"
#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {
namespace {

template <typename Factory>
class SemanticsTest : public VfsTest<Factory> {};
// Also with chunks in S3 (s3rver): the backend keeps the same semantics.
TYPED_TEST_SUITE(SemanticsTest, KvAndS3Factories, ChunkBackendNames);

const Caller kAlice{1000, 1000, {}};

TYPED_TEST(SemanticsTest, RootAndDots) {
  Attr root = this->Stat("/");
  EXPECT_EQ(root.type, FileType::kDirectory);
  EXPECT_EQ(root.nlink, 2u);
  EXPECT_EQ(root.st_mode(), S_IFDIR | 01777u);  // like /tmp: grants decide who enters
  EXPECT_EQ(this->fs_->Lookup(this->root, this->root_, "..")->ino, this->root_);
  EXPECT_EQ(this->fs_->Lookup(this->root, this->root_, ".")->ino, this->root_);
  uint64_t d = this->MkdirP("/d");
  uint64_t e = this->MkdirP("/d/e");
  EXPECT_EQ(this->fs_->Lookup(this->root, e, "..")->ino, d);
  auto page = this->fs_->ReadDir(this->root, e, 0, 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_EQ(page->entries[0].name, ".");
  EXPECT_EQ(page->entries[0].ino, e);
  EXPECT_EQ(page->entries[1].name, "..");
  EXPECT_EQ(page->entries[1].ino, d);
  EXPECT_TRUE(page->eof);
}

TYPED_TEST(SemanticsTest, LookupPathFindsWhatChainedLookupsFind) {
  const uint64_t d = this->MkdirP("/d");
  const uint64_t e = this->MkdirP("/d/e");
  const uint64_t f = this->File("/d/e/f", "abc");
  const std::vector<std::string> names{"d", "e", "f"};
  std::vector<Attr> found;
  ASSERT_TRUE(this->fs_->LookupPath(this->root, this->root_, names, &found).ok());
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].ino, d);
  EXPECT_EQ(found[1].ino, e);
  EXPECT_EQ(found[2].ino, f);
  EXPECT_EQ(found[2].size, 3u);
  // Buffered bytes show, as they do in Lookup.
  ASSERT_TRUE(this->fs_->Write(this->root, f, 3, "de").ok());
  ASSERT_TRUE(this->fs_->LookupPath(this->root, this->root_, names, &found).ok());
  EXPECT_EQ(found[2].size, 5u);

  // The first failure ends the walk; what was found before it is kept.
  const std::vector<std::string> missing{"d", "x", "f"};
  EXPECT_EQ(ErrnoOf(this->fs_->LookupPath(this->root, this->root_, missing, &found)), ENOENT);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].ino, d);
  const std::vector<std::string> through_file{"d", "e", "f", "g"};
  EXPECT_EQ(ErrnoOf(this->fs_->LookupPath(this->root, this->root_, through_file, &found)), ENOTDIR);
  EXPECT_EQ(found.size(), 3u);
  // Search permission is checked on every directory walked.
  SetAttrRequest closed;
  closed.mode = 0700;
  ASSERT_TRUE(this->fs_->SetAttr(this->root, e, closed).ok());
  EXPECT_EQ(ErrnoOf(this->fs_->LookupPath(kAlice, this->root_, names, &found)), EACCES);
  EXPECT_EQ(found.size(), 2u);
  // Dots and an empty path.
  const std::vector<std::string> dots{".", "d", "..", "d", "e", "."};
  ASSERT_TRUE(this->fs_->LookupPath(this->root, this->root_, dots, &found).ok());
  ASSERT_EQ(found.size(), 6u);
  EXPECT_EQ(found[0].ino, this->root_);
  EXPECT_EQ(found[2].ino, this->root_);
  EXPECT_EQ(found[5].ino, e);
  ASSERT_TRUE(this->fs_->LookupPath(this->root, this->root_, {}, &found).ok());
  EXPECT_TRUE(found.empty());
}

// The bytes a reader wants come with the file's attributes from the one
// snapshot, unless a buffered write to the file is not in that snapshot.
TYPED_TEST(SemanticsTest, LookupPathPlansTheWantedBytesWithTheAttributes) {
  this->MkdirP("/d");
  const uint64_t f = this->File("/d/f", "abc");
  const std::vector<std::string> names{"d", "f"};
  std::vector<Attr> found;
  PathRead read;
  std::vector<uint64_t> asked_sizes;
  read.want = [&](const Attr& a) -> std::optional<PathRead::Span> {
    asked_sizes.push_back(a.size);
    return PathRead::Span{0, a.size};
  };
  auto bytes_of = [](const data::ReadPlan& p) {
    std::string out;
    for (const data::ReadPiece& piece : p.pieces) {
      EXPECT_EQ(piece.kind, data::ReadPiece::Kind::kInline);
      out += p.inline_bytes.substr(piece.chunk_offset, piece.length);
    }
    return out;
  };
  ASSERT_TRUE(this->fs_->LookupPath(this->root, this->root_, names, &found, &read).ok());
  ASSERT_TRUE(read.plan.has_value());
  EXPECT_EQ(bytes_of(*read.plan), "abc");
  EXPECT_EQ(asked_sizes.back(), 3u);
  // A buffered write is not in the KV: no plan, and MapRead (which flushes
  // first) has the bytes.
  ASSERT_TRUE(this->fs_->Write(this->root, f, 3, "de").ok());
  ASSERT_TRUE(this->fs_->LookupPath(this->root, this->root_, names, &found, &read).ok());
  EXPECT_EQ(found.back().size, 5u);
  EXPECT_FALSE(read.plan.has_value());
  auto mapped = this->fs_->MapRead(f, 0, 5);
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ(bytes_of(*mapped), "abcde");
  ASSERT_TRUE(this->fs_->LookupPath(this->root, this->root_, names, &found, &read).ok());
  ASSERT_TRUE(read.plan.has_value());
  EXPECT_EQ(bytes_of(*read.plan), "abcde");
  // No plan for a folder or a failed walk (want is not asked), nor when
  // want declines.
  asked_sizes.clear();
  const std::vector<std::string> folder{"d"};
  ASSERT_TRUE(this->fs_->LookupPath(this->root, this->root_, folder, &found, &read).ok());
  EXPECT_FALSE(read.plan.has_value());
  const std::vector<std::string> missing{"d", "x"};
  EXPECT_EQ(ErrnoOf(this->fs_->LookupPath(this->root, this->root_, missing, &found, &read)), ENOENT);
  EXPECT_FALSE(read.plan.has_value());
  EXPECT_TRUE(asked_sizes.empty());
  PathRead none;
  none.want = [](const Attr&) { return std::optional<PathRead::Span>(); };
  ASSERT_TRUE(this->fs_->LookupPath(this->root, this->root_, names, &found, &none).ok());
  EXPECT_FALSE(none.plan.has_value());
  // A file in chunks: the plan maps the span asked for, and the chunk
  // bytes it names are the file's.
  std::string big(data::kInlineMax + 5000, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 23);
  this->File("/d/big", big);
  PathRead middle;
  middle.want = [](const Attr&) { return std::optional<PathRead::Span>({{1000, 3000}}); };
  const std::vector<std::string> big_path{"d", "big"};
  ASSERT_TRUE(this->fs_->LookupPath(this->root, this->root_, big_path, &found, &middle).ok());
  ASSERT_TRUE(middle.plan.has_value());
  ASSERT_FALSE(middle.plan->pieces.empty());
  EXPECT_EQ(middle.plan->pieces.front().file_offset, 1000u);
  uint64_t mapped_bytes = 0;
  for (const data::ReadPiece& piece : middle.plan->pieces) {
    EXPECT_EQ(piece.kind, data::ReadPiece::Kind::kChunk);
    auto got = this->chunks_->Get(data::ToChunkId(piece.chunk_id));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->substr(piece.chunk_offset, piece.length), big.substr(piece.file_offset, piece.length));
    mapped_bytes += piece.length;
  }
  EXPECT_EQ(mapped_bytes, 3000u);
}

// A walk is answered from the path cache until any metadata changes, made
// by this Filesystem or by another over the same KV (nothing tells this one);
// one caller's answer is never another's.
TYPED_TEST(SemanticsTest, LookupPathReusesAWalkUntilAnyMetadataChanges) {
  const uint64_t d = this->MkdirP("/d");
  const uint64_t f = this->File("/d/f", "abc");
  const std::vector<std::string> names{"d", "f"};
  std::vector<Attr> found;
  auto walk = [&](const Caller& c, const std::vector<std::string>& path, PathRead* read = nullptr) {
    return this->fs_->LookupPath(c, this->root_, path, &found, read);
  };
  auto hits = [&] { return this->fs_->path_cache_stats().hits; };
  ASSERT_TRUE(walk(this->root, names).ok());
  uint64_t h = hits();
  ASSERT_TRUE(walk(this->root, names).ok());
  EXPECT_EQ(hits(), h + 1);
  EXPECT_EQ(found.back().ino, f);
  EXPECT_EQ(found.back().size, 3u);

  // Root's answer is not Alice's, cached or not.
  SetAttrRequest closed;
  closed.mode = 0700;
  ASSERT_TRUE(this->fs_->SetAttr(this->root, d, closed).ok());
  ASSERT_TRUE(walk(this->root, names).ok());
  EXPECT_EQ(ErrnoOf(walk(kAlice, names)), EACCES);
  h = hits();
  ASSERT_TRUE(walk(this->root, names).ok());
  EXPECT_EQ(hits(), h + 1);
  EXPECT_EQ(ErrnoOf(walk(kAlice, names)), EACCES);
  SetAttrRequest open;
  open.mode = 0755;
  ASSERT_TRUE(this->fs_->SetAttr(this->root, d, open).ok());
  ASSERT_TRUE(walk(kAlice, names).ok());

  // Changes through another Filesystem of the share.
  FilesystemOptions options;
  options.block_size = kTestBlockSize;
  auto other = Filesystem::Open(*this->kv_, *this->chunks_, "docs", options);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  ASSERT_TRUE(walk(this->root, names).ok());
  ASSERT_TRUE((*other)->Write(this->root, f, 3, "de").ok());
  ASSERT_TRUE((*other)->Fsync(f).ok());
  ASSERT_TRUE(walk(this->root, names).ok());
  EXPECT_EQ(found.back().size, 5u);
  ASSERT_TRUE((*other)->Rename(this->root, d, "f", d, "g").ok());
  EXPECT_EQ(ErrnoOf(walk(this->root, names)), ENOENT);
  ASSERT_TRUE(walk(this->root, {"d", "g"}).ok());
  EXPECT_EQ(found.back().ino, f);

  // A planned read: the cached plan serves the same span only, and never
  // while a write to the file is buffered.
  const std::vector<std::string> g{"d", "g"};
  uint64_t offset = 0;
  PathRead read;
  read.want = [&](const Attr& a) { return std::optional<PathRead::Span>({{offset, a.size - offset}}); };
  auto planned = [&] {
    std::string out;
    for (const data::ReadPiece& piece : read.plan->pieces) {
      out += read.plan->inline_bytes.substr(piece.chunk_offset, piece.length);
    }
    return out;
  };
  ASSERT_TRUE(walk(this->root, g, &read).ok());
  ASSERT_TRUE(read.plan.has_value());
  EXPECT_EQ(planned(), "abcde");
  h = hits();
  offset = 2;
  ASSERT_TRUE(walk(this->root, g, &read).ok());
  ASSERT_TRUE(read.plan.has_value());
  EXPECT_EQ(planned(), "cde");
  ASSERT_TRUE(walk(this->root, g, &read).ok());
  EXPECT_EQ(hits(), h + 1);
  ASSERT_TRUE(read.plan.has_value());
  EXPECT_EQ(planned(), "cde");
  // (A buffered write moves no stamp: the walk is still a hit.)
  ASSERT_TRUE(this->fs_->Write(this->root, f, 0, "XY").ok());
  h = hits();
  ASSERT_TRUE(walk(this->root, g, &read).ok());
  EXPECT_EQ(hits(), h + 1);
  EXPECT_FALSE(read.plan.has_value());
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  offset = 0;
  ASSERT_TRUE(walk(this->root, g, &read).ok());
  ASSERT_TRUE(read.plan.has_value());
  EXPECT_EQ(planned(), "XYcde");
}

TYPED_TEST(SemanticsTest, MkdirRmdirCountLinksAndTouchParent) {
  Attr before = this->Stat("/");
  this->MkdirP("/a");
  this->MkdirP("/a/b");
  Attr root = this->Stat("/");
  EXPECT_EQ(root.nlink, 3u);
  EXPECT_GT(root.mtime_ns, before.mtime_ns);
  EXPECT_EQ(root.ctime_ns, root.mtime_ns);
  EXPECT_EQ(this->Stat("/a").nlink, 3u);
  EXPECT_EQ(this->Stat("/a/b").nlink, 2u);
  this->File("/a/f");
  EXPECT_EQ(this->Stat("/a").nlink, 3u);  // files do not count
  ASSERT_TRUE(this->fs_->Rmdir(this->root, this->Ino("/a"), "b").ok());
  EXPECT_EQ(this->Stat("/a").nlink, 2u);
  EXPECT_EQ(this->Names(this->Ino("/a")), std::vector<std::string>{"f"});
}

TYPED_TEST(SemanticsTest, LinkUnlinkCountLinksAndFreeTheInode) {
  uint64_t f = this->File("/f", "abc");
  this->MkdirP("/d");
  Attr before = this->Stat("/f");
  auto linked = this->fs_->Link(this->root, f, this->Ino("/d"), "g");
  ASSERT_TRUE(linked.ok());
  EXPECT_EQ(linked->nlink, 2u);
  EXPECT_GT(linked->ctime_ns, before.ctime_ns);
  EXPECT_EQ(linked->mtime_ns, before.mtime_ns);  // a link changes ctime only
  EXPECT_EQ(this->Stat("/d/g").ino, f);
  ASSERT_TRUE(this->fs_->Unlink(this->root, this->root_, "f").ok());
  EXPECT_EQ(this->Stat("/d/g").nlink, 1u);
  EXPECT_EQ(*this->fs_->Read(f, 0, 10), "abc");
  ASSERT_TRUE(this->fs_->SetXattr(this->root, f, "user.k", "v").ok());
  ASSERT_TRUE(this->fs_->Unlink(this->root, this->Ino("/d"), "g").ok());
  EXPECT_EQ(this->fs_->GetAttr(f).status().code(), Code::kStale);
  EXPECT_EQ(this->fs_->Read(f, 0, 1).status().code(), Code::kStale);
}

TYPED_TEST(SemanticsTest, CreateSetsOwnershipAndSetgidInheritance) {
  uint64_t g = this->MkdirP("/g", 02777);
  Chown(*this->fs_, "/g", 0, 500);
  auto file = this->fs_->Create(kAlice, g, "f", 02755, true);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->attr.uid, 1000u);
  EXPECT_EQ(file->attr.gid, 500u);    // inherited from the setgid directory
  EXPECT_EQ(file->attr.mode, 0755u);  // setgid dropped: alice is not in group 500
  auto dir = this->fs_->Mkdir(this->root, g, "sub", 0755);
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->mode, 02755u);  // directories inherit setgid
  EXPECT_EQ(dir->gid, 500u);
  auto again = this->fs_->Create(kAlice, g, "f", 0600, false);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->attr.ino, file->attr.ino);
}

TYPED_TEST(SemanticsTest, SymlinkKeepsItsTarget) {
  auto l = this->fs_->Symlink(this->root, this->root_, "l", "some/where/../x");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->type, FileType::kSymlink);
  EXPECT_EQ(l->size, 15u);
  EXPECT_EQ(l->st_mode(), S_IFLNK | 0777u);
  EXPECT_EQ(*this->fs_->ReadLink(l->ino), "some/where/../x");
}

TYPED_TEST(SemanticsTest, RenameReplacesAndMovesDirectories) {
  uint64_t a = this->MkdirP("/a");
  uint64_t b = this->MkdirP("/b");
  uint64_t f = this->File("/a/f", "new");
  uint64_t old = this->File("/b/f", "old");
  ASSERT_TRUE(this->fs_->Rename(this->root, a, "f", b, "f").ok());
  EXPECT_EQ(this->Ino("/b/f"), f);
  EXPECT_EQ(this->fs_->GetAttr(old).status().code(), Code::kStale);
  EXPECT_TRUE(this->Names(a).empty());

  uint64_t d = this->MkdirP("/a/d");
  this->MkdirP("/b/e");
  ASSERT_TRUE(this->fs_->Rename(this->root, a, "d", b, "e").ok());  // dir over empty dir
  EXPECT_EQ(this->Ino("/b/e"), d);
  EXPECT_EQ(this->fs_->Lookup(this->root, d, "..")->ino, b);
  EXPECT_EQ(this->Stat("/a").nlink, 2u);
  EXPECT_EQ(this->Stat("/b").nlink, 3u);
  EXPECT_EQ(this->Names(b), (std::vector<std::string>{"e", "f"}));

  // Hard links to one inode: rename does nothing, both names stay.
  ASSERT_TRUE(this->fs_->Link(this->root, f, a, "f2").ok());
  ASSERT_TRUE(this->fs_->Rename(this->root, a, "f2", b, "f").ok());
  EXPECT_EQ(this->Ino("/a/f2"), f);
  EXPECT_EQ(this->Stat("/b/f").nlink, 2u);

  // Renaming onto itself is a no-op too.
  ASSERT_TRUE(this->fs_->Rename(this->root, b, "e", b, "e").ok());
  EXPECT_EQ(this->Ino("/b/e"), d);
}

TYPED_TEST(SemanticsTest, RenameUpdatesTimes) {
  uint64_t a = this->MkdirP("/a");
  uint64_t f = this->File("/a/f");
  Attr file_before = *this->fs_->GetAttr(f);
  Attr root_before = this->Stat("/");
  ASSERT_TRUE(this->fs_->Rename(this->root, a, "f", this->root_, "g").ok());
  Attr file_after = *this->fs_->GetAttr(f);
  EXPECT_GT(file_after.ctime_ns, file_before.ctime_ns);
  EXPECT_EQ(file_after.mtime_ns, file_before.mtime_ns);
  EXPECT_GT(this->Stat("/").mtime_ns, root_before.mtime_ns);
  EXPECT_EQ(this->Stat("/a").mtime_ns, this->Stat("/").mtime_ns);
}

TYPED_TEST(SemanticsTest, InlineDataReadWriteTruncate) {
  uint64_t f = this->File("/f");
  ASSERT_TRUE(this->fs_->Write(this->root, f, 0, "hello world").ok());
  EXPECT_EQ(*this->fs_->Read(f, 0, 100), "hello world");
  EXPECT_EQ(*this->fs_->Read(f, 6, 3), "wor");
  EXPECT_EQ(*this->fs_->Read(f, 11, 3), "");
  ASSERT_TRUE(this->fs_->Write(this->root, f, 20, "X").ok());  // a gap reads as zeros
  EXPECT_EQ(*this->fs_->Read(f, 0, 100), std::string("hello world\0\0\0\0\0\0\0\0\0X", 21));
  SetAttrRequest shrink;
  shrink.size = 5;
  ASSERT_EQ(this->fs_->SetAttr(this->root, f, shrink)->size, 5u);
  SetAttrRequest grow;
  grow.size = 9;
  ASSERT_TRUE(this->fs_->SetAttr(this->root, f, grow).ok());
  EXPECT_EQ(*this->fs_->Read(f, 0, 100),
            std::string("hello\0\0\0\0", 9));  // no stale bytes come back
  auto opened = this->fs_->OpenFile(this->root, f, OpenFlags{true, true, true});
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->size, 0u);
  EXPECT_EQ(*this->fs_->Read(f, 0, 100), "");
  std::string full(data::kInlineMax, 'z');  // the largest inline file
  ASSERT_TRUE(this->fs_->Write(this->root, f, 0, full).ok());
  EXPECT_EQ(*this->fs_->Read(f, 0, data::kInlineMax + 10), full);
}

TYPED_TEST(SemanticsTest, ChunkedDataReadsBackAfterAnOverwriteAndAReopen) {
  std::string data(2 * kTestBlockSize + 1000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131 + i / 977) & 0xff);
  uint64_t f = this->File("/big", data);
  const std::string patch(5000, 'p');  // across the first block boundary
  ASSERT_TRUE(this->fs_->Write(this->root, f, kTestBlockSize - 2000, patch).ok());
  ASSERT_TRUE(this->fs_->Fsync(f).ok());
  data.replace(kTestBlockSize - 2000, patch.size(), patch);
  this->fs_.reset();
  FilesystemOptions options;
  options.block_size = kTestBlockSize;
  auto fs = Filesystem::Open(*this->kv_, *this->chunks_, "docs", options);
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  this->fs_ = std::move(fs).value();
  EXPECT_EQ(this->Stat("/big").size, data.size());
  auto all = this->fs_->Read(f, 0, data.size() + 10);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_TRUE(*all == data);
  auto range = this->fs_->Read(f, 2 * kTestBlockSize - 10, 100);
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  EXPECT_EQ(*range, data.substr(2 * kTestBlockSize - 10, 100));
}

TYPED_TEST(SemanticsTest, WriteUpdatesTimesAndClearsSetuid) {
  uint64_t f = this->File("/f", "", 06777);
  Attr before = *this->fs_->GetAttr(f);
  auto after = this->fs_->Write(kAlice, f, 0, "x");
  ASSERT_TRUE(after.ok());
  EXPECT_GT(after->mtime_ns, before.mtime_ns);
  EXPECT_EQ(after->ctime_ns, after->mtime_ns);
  EXPECT_EQ(after->mode, 0777u);
  auto empty = this->fs_->Write(kAlice, f, 0, "");
  EXPECT_EQ(empty->mtime_ns, after->mtime_ns);  // a zero-length write changes nothing
}

TYPED_TEST(SemanticsTest, SetAttrChangesWhatWasAsked) {
  uint64_t f = this->File("/f", "abc", 0644);
  SetAttrRequest times;
  times.atime = TimeSpec::At(111);
  auto r = this->fs_->SetAttr(this->root, f, times);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->atime_ns, 111);
  Attr before = *r;
  SetAttrRequest now_mtime;
  now_mtime.mtime = TimeSpec::Now();
  r = this->fs_->SetAttr(this->root, f, now_mtime);
  EXPECT_EQ(r->atime_ns, 111);  // UTIME_OMIT
  EXPECT_GT(r->mtime_ns, before.mtime_ns);
  SetAttrRequest chmod;
  chmod.mode = 04755;
  r = this->fs_->SetAttr(this->root, f, chmod);
  EXPECT_EQ(r->mode, 04755u);
  SetAttrRequest chown;
  chown.uid = 1000;
  r = this->fs_->SetAttr(this->root, f, chown);
  EXPECT_EQ(r->uid, 1000u);
  EXPECT_EQ(r->mode, 0755u);  // chown clears setuid
  EXPECT_EQ(r->size, 3u);
}

TYPED_TEST(SemanticsTest, XattrsSetGetListRemove) {
  uint64_t f = this->File("/f");
  ASSERT_TRUE(this->fs_->SetXattr(this->root, f, "user.b", "2").ok());
  ASSERT_TRUE(this->fs_->SetXattr(this->root, f, "user.a", std::string("1\0x", 3)).ok());
  ASSERT_TRUE(this->fs_->SetXattr(this->root, f, "trusted.t", "t").ok());
  EXPECT_EQ(*this->fs_->GetXattr(this->root, f, "user.a"), std::string("1\0x", 3));
  EXPECT_EQ(*this->fs_->ListXattr(this->root, f),
            (std::vector<std::string>{"trusted.t", "user.a", "user.b"}));
  EXPECT_EQ(*this->fs_->ListXattr(kAlice, f), (std::vector<std::string>{"user.a", "user.b"}));
  EXPECT_EQ(this->fs_->GetXattr(kAlice, f, "trusted.t").status().code(), Code::kNoAttribute);
  ASSERT_TRUE(this->fs_->SetXattr(this->root, f, "user.a", "new", kXattrReplace).ok());
  EXPECT_EQ(*this->fs_->GetXattr(this->root, f, "user.a"), "new");
  ASSERT_TRUE(this->fs_->RemoveXattr(this->root, f, "user.a").ok());
  EXPECT_EQ(*this->fs_->ListXattr(this->root, f),
            (std::vector<std::string>{"trusted.t", "user.b"}));
  ASSERT_TRUE(this->fs_->SetXattr(this->root, f, "user.empty", "").ok());
  EXPECT_EQ(*this->fs_->GetXattr(this->root, f, "user.empty"), "");
}

TYPED_TEST(SemanticsTest, NamesAreArbitraryBytes) {
  std::string weird = "caf\xc3\xa9 \x01\xff\\:*?\"<>|";
  uint64_t f = this->File("/" + weird, "x");
  EXPECT_EQ(this->Ino("/" + weird), f);
  this->File("/a");
  this->File("/a\x01");
  this->File("/ab");
  EXPECT_EQ(this->Names(this->root_), (std::vector<std::string>{"a", "a\x01", "ab", weird}));
}

TYPED_TEST(SemanticsTest, ReopenedFilesystemSeesTheTreeAndNeverReusesInodes) {
  uint64_t f = this->File("/f", "abc");
  this->fs_.reset();
  auto fs = Filesystem::Open(*this->kv_, *this->chunks_, "docs");
  ASSERT_TRUE(fs.ok());
  this->fs_ = std::move(fs).value();
  EXPECT_EQ(this->Ino("/f"), f);
  uint64_t g = this->File("/g");
  EXPECT_GT(g, f);
  EXPECT_EQ(this->fs_->root(), this->root_);
}

}  // namespace
}  // namespace nasd::vfs::testing
