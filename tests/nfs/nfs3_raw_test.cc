// NFSv3 and MOUNT calls libnfs cannot be made to send: forged handles,
// UNSTABLE writes and COMMIT across restarts, CREATE EXCLUSIVE
// retransmissions, plain READDIR paging, guards, PATHCONF, EXPORT and DUMP.
#include <sys/socket.h>
#include <sys/time.h>

#include <map>

#include "nfs/file_handle.h"
#include "nfs/mount_program.h"
#include "nfs/nfs3_program.h"
#include "nfs/nfs3_xdr.h"
#include "nfs/nfs_fixture.h"
#include "nfs/portmap_program.h"

namespace nasd::nfs {
namespace {

using testing::AuthSysBody;
using testing::MakeCall;
using testing::ParseReply;
using testing::RawClient;

enum Proc : uint32_t {
  kGetattr = 1, kSetattr = 2, kLookup = 3, kRead = 6, kWrite = 7, kCreate = 8, kMkdir = 9, kRemove = 12,
  kReaddir = 16, kPathconf = 20, kCommit = 21,
};

class Nfs3RawTest : public testing::NfsFixture {
 protected:
  // Accepted-reply body of one call (results), failing the test otherwise.
  std::string Call(uint32_t prog, uint32_t proc, const std::string& args, uint32_t expect_accept = 0) {
    RawClient c(server_->port());
    EXPECT_TRUE(c.ok());
    uint32_t vers = prog == kMountProgram ? kMountVersion : kNfsVersion;
    EXPECT_TRUE(c.Send(MakeCall({.xid = ++xid_, .prog = prog, .vers = vers, .proc = proc, .cred_flavor = 1,
                                 .cred = AuthSysBody(0, 0), .args = args})));
    auto rec = c.Receive();
    EXPECT_TRUE(rec);
    if (!rec) return {};
    auto r = ParseReply(*rec);
    EXPECT_TRUE(r.accepted);
    EXPECT_EQ(r.stat, expect_accept);
    return r.body;
  }
  std::string Nfs(uint32_t proc, const std::string& args) { return Call(kNfsProgram, proc, args); }

  std::string RootHandle(std::string_view share) {
    XdrWriter w;
    w.Opaque("/" + std::string(share));
    std::string body = Call(kMountProgram, 1, w.Take());
    XdrReader r(body);
    EXPECT_EQ(r.U32(), 0u);
    return std::string(r.Opaque(64));
  }

  static std::string FhArgs(std::string_view fh) {
    XdrWriter w;
    w.Opaque(fh);
    return w.Take();
  }
  static std::string DirOpArgs(std::string_view dir, std::string_view name) {
    XdrWriter w;
    w.Opaque(dir);
    w.Opaque(name);
    return w.Take();
  }
  // CREATE EXCLUSIVE of name with verifier; returns (status, handle).
  std::pair<uint32_t, std::string> CreateExclusive(const std::string& dir, std::string_view name,
                                                   std::string_view verf) {
    XdrWriter w;
    w.Opaque(dir);
    w.Opaque(name);
    w.U32(2);
    w.FixedOpaque(verf);
    std::string body = Nfs(kCreate, w.Take());
    XdrReader r(body);
    uint32_t stat = r.U32();
    std::string fh;
    if (stat == 0 && r.Bool()) fh = std::string(r.Opaque(64));
    return {stat, fh};
  }
  // WRITE; returns (status, committed, verifier).
  std::tuple<uint32_t, uint32_t, std::string> WriteCall(const std::string& fh, uint64_t off, std::string_view data,
                                                        uint32_t stable) {
    XdrWriter w;
    w.Opaque(fh);
    w.U64(off);
    w.U32(static_cast<uint32_t>(data.size()));
    w.U32(stable);
    w.Opaque(data);
    std::string body = Nfs(kWrite, w.Take());
    XdrReader r(body);
    uint32_t stat = r.U32();
    if (stat != 0) return {stat, 0, ""};
    if (r.Bool()) r.FixedOpaque(24);  // pre_op_attr
    if (r.Bool()) r.FixedOpaque(84);  // post_op_attr
    r.U32();                          // count
    uint32_t committed = r.U32();
    return {stat, committed, std::string(r.FixedOpaque(8))};
  }
  std::string CommitVerifier(const std::string& fh) {
    XdrWriter w;
    w.Opaque(fh);
    w.U64(0);
    w.U32(0);
    std::string body = Nfs(kCommit, w.Take());
    XdrReader r(body);
    EXPECT_EQ(r.U32(), 0u);
    if (r.Bool()) r.FixedOpaque(24);
    if (r.Bool()) r.FixedOpaque(84);
    return std::string(r.FixedOpaque(8));
  }
  uint32_t StatusOf(uint32_t proc, const std::string& args) {
    std::string body = Nfs(proc, args);
    XdrReader r(body);
    return r.U32();
  }

  uint32_t xid_ = 0;
};

TEST_F(Nfs3RawTest, ForgedOrTruncatedHandlesAreBadHandle) {
  std::string root = RootHandle("s");
  ASSERT_EQ(root.size(), kFileHandleSize);
  EXPECT_EQ(StatusOf(kGetattr, FhArgs(root)), 0u);
  std::string flipped = root;
  flipped[20] ^= 1;  // a different inode, checksum not updated
  EXPECT_EQ(StatusOf(kGetattr, FhArgs(flipped)), kNfs3ErrBadHandle);
  EXPECT_EQ(StatusOf(kGetattr, FhArgs(root.substr(0, 39))), kNfs3ErrBadHandle);
  EXPECT_EQ(StatusOf(kGetattr, FhArgs("")), kNfs3ErrBadHandle);
  EXPECT_EQ(StatusOf(kGetattr, FhArgs(std::string(40, 'z'))), kNfs3ErrBadHandle);
  // A well-formed handle of an inode that never existed is stale.
  auto fh = *FileHandle::Decode(root);
  fh.ino += 100000;
  EXPECT_EQ(StatusOf(kGetattr, FhArgs(fh.Encode())), kNfs3ErrStale);
  // A handle longer than NFS3_FHSIZE is not even decodable: GARBAGE_ARGS.
  Call(kNfsProgram, kGetattr, FhArgs(std::string(65, 'x')), static_cast<uint32_t>(AcceptStat::kGarbageArgs));
  // Handles of a share whose network the client is not in: refused.
  auto far = Fs("far");
  EXPECT_EQ(StatusOf(kGetattr, FhArgs(FileHandle{far->share_id(), 0, far->root(), 0}.Encode())), kNfs3ErrAcces);
}

TEST_F(Nfs3RawTest, ReusedGenerationMismatchIsStale) {
  std::string root = RootHandle("s");
  auto fh = *FileHandle::Decode(root);
  fh.generation += 1;
  EXPECT_EQ(StatusOf(kGetattr, FhArgs(fh.Encode())), kNfs3ErrStale);
}

TEST_F(Nfs3RawTest, UnstableWritesCommitAndTheVerifierChangesOnRestart) {
  std::string root = RootHandle("s");
  auto [stat, fh] = CreateExclusive(root, "u", "verf0001");
  ASSERT_EQ(stat, 0u);
  auto [wstat, committed, verf1] = WriteCall(fh, 0, "unstable bytes", 0);
  ASSERT_EQ(wstat, 0u);
  EXPECT_EQ(committed, 0u) << "UNSTABLE write should stay unstable";
  EXPECT_EQ(CommitVerifier(fh), verf1);
  auto [s2, c2, v2] = WriteCall(fh, 14, "!", 2);
  EXPECT_EQ(c2, 2u);  // FILE_SYNC
  EXPECT_EQ(v2, verf1);
  RestartServer();
  std::string verf2 = CommitVerifier(fh);
  EXPECT_NE(verf2, verf1) << "a restarted server must present a new write verifier";
  // Handles survive the restart; data was committed.
  auto fs = Fs("s");
  auto attr = fs->Lookup(vfs::Caller::Root(), fs->root(), "u");
  ASSERT_TRUE(attr.ok());
  EXPECT_EQ(*fs->Read(attr->ino, 0, 100), "unstable bytes!");
}

// On the network thread of an idle server (Wait::kBrief) a COMMIT or a
// stable WRITE flushes at most 1 MiB, and a CREATE truncates nothing: larger
// work is deferred to a worker, having changed nothing.
TEST_F(Nfs3RawTest, BriefCallsDeferLargeWorkUntouched) {
  ExportTable table({MakeExport("s", "127.0.0.0/8", Squash::kNone, false)},
                    [this](std::string_view share) { return mounts_->Get(share); });
  Nfs3Program prog(table);
  Dispatcher d;
  d.Add(&prog);
  const Peer peer{"127.0.0.1", 700};
  // Whether the call, run brief, was deferred; else its NFS status.
  auto brief = [&](uint32_t proc, const std::string& args, uint32_t* status) {
    bool deferred = false;
    std::optional<XdrMessage> reply =
        d.HandleMessage(MakeCall({.xid = ++xid_, .prog = kNfsProgram, .vers = kNfsVersion, .proc = proc,
                                  .cred_flavor = 1, .cred = AuthSysBody(0, 0), .args = args}),
                        peer, Wait::kBrief, &deferred);
    if (reply) *status = XdrReader(ParseReply(std::move(*reply).Flatten()).body).U32();
    return deferred;
  };
  auto fs = Fs("s");
  auto handle = [&](uint64_t ino) { return FileHandle{fs->share_id(), 0, ino, fs->GetAttr(ino)->generation}.Encode(); };
  auto made = fs->Create(vfs::Caller::Root(), fs->root(), "big", 0644, true);
  ASSERT_TRUE(made.ok());
  const uint64_t ino = made->attr.ino;
  const std::string fh = handle(ino);
  ASSERT_TRUE(fs->Write(vfs::Caller::Root(), ino, 0, std::string(2 << 20, 'b')).ok());
  XdrWriter commit;
  commit.Opaque(fh);
  commit.U64(0);
  commit.U32(0);
  const std::string commit_args = commit.Take();

  uint32_t status = 99;
  EXPECT_TRUE(brief(kCommit, commit_args, &status)) << "2 MiB to flush";
  EXPECT_TRUE(fs->HasBuffered(ino)) << "a deferred COMMIT flushed";
  ASSERT_TRUE(fs->Fsync(ino).ok());
  ASSERT_TRUE(fs->Write(vfs::Caller::Root(), ino, 0, std::string(4096, 's')).ok());
  EXPECT_FALSE(brief(kCommit, commit_args, &status)) << "4 KiB to flush";
  EXPECT_EQ(status, 0u);
  EXPECT_FALSE(fs->HasBuffered(ino));

  // CREATE UNCHECKED of the existing file with size 0: a truncation.
  auto create = [&](std::string_view name, bool with_size) {
    XdrWriter w;
    w.Opaque(handle(fs->root()));
    w.Opaque(name);
    w.U32(0);  // UNCHECKED
    w.Bool(false);  // mode, uid, gid
    w.Bool(false);
    w.Bool(false);
    w.Bool(with_size);
    if (with_size) w.U64(0);
    w.U32(0);  // atime, mtime: DONT_CHANGE
    w.U32(0);
    return w.Take();
  };
  EXPECT_TRUE(brief(kCreate, create("big", true), &status)) << "a truncation";
  EXPECT_EQ(fs->GetAttr(ino)->size, uint64_t{2} << 20) << "a deferred CREATE truncated";
  EXPECT_FALSE(brief(kCreate, create("new", false), &status));
  EXPECT_EQ(status, 0u);
  EXPECT_TRUE(fs->Lookup(vfs::Caller::Root(), fs->root(), "new").ok());
}

// READ replies carry their data apart from the encoded header (a gathering
// write), from a memory store and from chunk files on disk. Odd lengths need
// padding, and pipelined replies must stay framed.
class Nfs3ReadTest : public Nfs3RawTest, public ::testing::WithParamInterface<bool> {
 protected:
  Nfs3ReadTest() { local_chunks_ = GetParam(); }
};
INSTANTIATE_TEST_SUITE_P(Stores, Nfs3ReadTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "LocalFiles" : "Memory"; });

TEST_P(Nfs3ReadTest, PipelinedReadsOfOddLengthsReturnTheFileBytes) {
  auto fs = Fs("s");
  auto made = fs->Create(vfs::Caller::Root(), fs->root(), "r", 0644, true);
  ASSERT_TRUE(made.ok());
  const uint64_t ino = made->attr.ino;
  std::string data((fs->block_size() * 2) + 7, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131) ^ (i >> 9));
  ASSERT_TRUE(fs->Write(vfs::Caller::Root(), ino, 0, data).ok());
  ASSERT_TRUE(fs->Fsync(ino).ok());
  auto attr = fs->GetAttr(ino);
  ASSERT_TRUE(attr.ok());
  const std::string fh = FileHandle{fs->share_id(), 0, ino, attr->generation}.Encode();
  struct Want {
    uint64_t offset;
    uint32_t count;
  };
  const std::vector<Want> wants = {{0, 5},
                                   {3, 1},
                                   {fs->block_size() - 2, 1 << 20},
                                   {fs->block_size() * 2 - 1, 1 << 20},  // short: EOF
                                   {data.size(), 10},                    // empty: EOF
                                   {17, 4}};
  RawClient c(server_->port());
  ASSERT_TRUE(c.ok());
  // A misframed reply would leave Receive waiting for bytes that never come.
  timeval limit{.tv_sec = 10, .tv_usec = 0};
  ASSERT_EQ(setsockopt(c.fd(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit), 0);
  for (size_t i = 0; i < wants.size(); ++i) {
    XdrWriter w;
    w.Opaque(fh);
    w.U64(wants[i].offset);
    w.U32(wants[i].count);
    ASSERT_TRUE(c.Send(MakeCall({.xid = static_cast<uint32_t>(1000 + i), .prog = kNfsProgram, .vers = kNfsVersion,
                                 .proc = kRead, .cred_flavor = 1, .cred = AuthSysBody(0, 0), .args = w.Take()})));
  }
  std::map<uint32_t, std::string> replies;
  for (size_t i = 0; i < wants.size(); ++i) {
    auto rec = c.Receive();
    ASSERT_TRUE(rec) << "reply " << i;
    auto r = ParseReply(*rec);
    ASSERT_TRUE(r.accepted);
    replies[r.xid] = r.body;
  }
  for (size_t i = 0; i < wants.size(); ++i) {
    const Want& want = wants[i];
    ASSERT_TRUE(replies.contains(1000 + i));
    XdrReader r(replies[1000 + i]);
    ASSERT_EQ(r.U32(), 0u);
    ASSERT_TRUE(r.Bool());
    r.FixedOpaque(84);
    const uint32_t count = r.U32();
    const bool eof = r.Bool();
    std::string_view got = r.Opaque(1 << 20);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r.remaining(), 0u) << "read " << i;
    const std::string expect = data.substr(std::min<uint64_t>(want.offset, data.size()), want.count);
    EXPECT_EQ(count, expect.size());
    EXPECT_EQ(got, expect) << "read " << i;
    EXPECT_EQ(eof, want.offset + expect.size() >= data.size()) << "read " << i;
  }
}

TEST_F(Nfs3RawTest, RetransmittedExclusiveCreateSucceedsAndAnotherVerifierFails) {
  std::string root = RootHandle("s");
  auto [s1, fh1] = CreateExclusive(root, "x", "ABCDEFGH");
  ASSERT_EQ(s1, 0u);
  auto [s2, fh2] = CreateExclusive(root, "x", "ABCDEFGH");
  EXPECT_EQ(s2, 0u);
  EXPECT_EQ(fh2, fh1);
  auto [s3, fh3] = CreateExclusive(root, "x", "12345678");
  EXPECT_EQ(s3, kNfs3ErrExist);
}

TEST_F(Nfs3RawTest, ReaddirPagesWithSmallCountsReturnEveryNameOnce) {
  std::string root = RootHandle("s");
  auto fs = Fs("s");
  std::set<std::string> want = {".", ".."};
  for (int i = 0; i < 50; ++i) {
    std::string name = "n" + std::to_string(i);
    ASSERT_TRUE(fs->Create(vfs::Caller::Root(), fs->root(), name, 0644, true).ok());
    want.insert(name);
  }
  std::set<std::string> seen;
  uint64_t cookie = 0;
  bool eof = false;
  int pages = 0;
  while (!eof && pages < 100) {
    XdrWriter w;
    w.Opaque(root);
    w.U64(cookie);
    w.FixedOpaque(std::string(8, '\0'));
    w.U32(300);  // a few entries a page
    std::string body = Nfs(kReaddir, w.Take());
    XdrReader r(body);
    ASSERT_EQ(r.U32(), 0u);
    if (r.Bool()) r.FixedOpaque(84);
    r.FixedOpaque(8);
    while (r.Bool()) {
      r.U64();
      std::string name(r.Opaque(255));
      cookie = r.U64();
      EXPECT_TRUE(seen.insert(name).second) << name << " listed twice";
    }
    eof = r.Bool();
    ASSERT_TRUE(r.ok());
    ++pages;
  }
  EXPECT_TRUE(eof);
  EXPECT_GT(pages, 3);
  EXPECT_EQ(seen, want);
  // Too small a count for even one entry.
  XdrWriter w;
  w.Opaque(root);
  w.U64(0);
  w.FixedOpaque(std::string(8, '\0'));
  w.U32(10);
  EXPECT_EQ(StatusOf(kReaddir, w.Take()), kNfs3ErrTooSmall);
}

TEST_F(Nfs3RawTest, SetattrGuardMismatchIsNotSync) {
  std::string root = RootHandle("s");
  XdrWriter w;
  w.Opaque(root);
  w.Bool(true);  // mode
  w.U32(0700);
  for (int i = 0; i < 3; ++i) w.Bool(false);
  w.U32(0);
  w.U32(0);
  w.Bool(true);  // guard with a ctime that is not the root's
  w.U32(1);
  w.U32(2);
  EXPECT_EQ(StatusOf(kSetattr, w.Take()), kNfs3ErrNotSync);
  // The guard the client read passes.
  auto fs = Fs("s");
  auto root_attr = fs->GetAttr(fs->root());
  ASSERT_TRUE(root_attr.ok());
  XdrWriter ok;
  ok.Opaque(root);
  ok.Bool(true);
  ok.U32(0750);
  for (int i = 0; i < 3; ++i) ok.Bool(false);
  ok.U32(0);
  ok.U32(0);
  ok.Bool(true);
  ok.U32(static_cast<uint32_t>(root_attr->ctime_ns / 1'000'000'000));
  ok.U32(static_cast<uint32_t>(root_attr->ctime_ns % 1'000'000'000));
  EXPECT_EQ(StatusOf(kSetattr, ok.Take()), kNfs3Ok);
  EXPECT_EQ(fs->GetAttr(fs->root())->mode, 0750u);
}

TEST_F(Nfs3RawTest, LookupMissingNameIsNoEntAndDirWccIsPresent) {
  std::string root = RootHandle("s");
  std::string body = Nfs(kLookup, DirOpArgs(root, "nope"));
  XdrReader r(body);
  EXPECT_EQ(r.U32(), kNfs3ErrNoEnt);
  EXPECT_TRUE(r.Bool());  // the directory's attributes
}

TEST_F(Nfs3RawTest, MkdirThenRemoveDirectoryIsIsDir) {
  std::string root = RootHandle("s");
  XdrWriter w;
  w.Opaque(root);
  w.Opaque("dir");
  for (int i = 0; i < 4; ++i) w.Bool(false);
  w.U32(0);
  w.U32(0);
  EXPECT_EQ(StatusOf(kMkdir, w.Take()), 0u);
  EXPECT_EQ(StatusOf(kRemove, DirOpArgs(root, "dir")), static_cast<uint32_t>(ToNfs3Status(Code::kIsDirectory)));
}

TEST_F(Nfs3RawTest, PathconfReportsNameMax) {
  std::string body = Nfs(kPathconf, FhArgs(RootHandle("s")));
  XdrReader r(body);
  ASSERT_EQ(r.U32(), 0u);
  if (r.Bool()) r.FixedOpaque(84);
  EXPECT_EQ(r.U32(), vfs::kMaxLinks);
  EXPECT_EQ(r.U32(), 255u);
}

TEST_F(Nfs3RawTest, MountExportListsSharesAndDumpListsMounts) {
  std::string body = Call(kMountProgram, 5, "");
  XdrReader r(body);
  std::vector<std::string> dirs;
  while (r.Bool()) {
    dirs.emplace_back(r.Opaque(1024));
    while (r.Bool()) r.Opaque(255);
  }
  EXPECT_EQ(dirs, (std::vector<std::string>{"/s", "/sq", "/ro", "/far"}));
  RootHandle("s");
  body = Call(kMountProgram, 2, "");
  XdrReader d(body);
  ASSERT_TRUE(d.Bool());
  EXPECT_EQ(d.Opaque(255), "127.0.0.1");
  EXPECT_EQ(d.Opaque(1024), "/s");
  XdrWriter w;
  w.Opaque("/s");
  Call(kMountProgram, 3, w.Take());  // UMNT
  body = Call(kMountProgram, 2, "");
  XdrReader e(body);
  EXPECT_FALSE(e.Bool());
}

// GETPORT of (prog, vers, tcp) on the given listener.
uint32_t GetPort(uint16_t listener, uint32_t prog, uint32_t vers, uint32_t prot = kIpProtoTcp) {
  RawClient c(listener);
  XdrWriter w;
  w.U32(prog);
  w.U32(vers);
  w.U32(prot);
  w.U32(0);
  EXPECT_TRUE(c.Send(MakeCall({.xid = 1, .prog = kPortmapProgram, .vers = 2, .proc = 3, .args = w.Take()})));
  auto rec = c.Receive();
  EXPECT_TRUE(rec);
  if (!rec) return 0;
  auto r = ParseReply(*rec);
  EXPECT_TRUE(r.accepted);
  XdrReader body(r.body);
  return body.U32();
}

TEST_F(Nfs3RawTest, PortmapAnswersTheNfsPortOnItsOwnListener) {
  const uint16_t pm = server_->portmap_port();
  ASSERT_NE(pm, 0);
  ASSERT_NE(pm, server_->port());
  EXPECT_EQ(GetPort(pm, kNfsProgram, 3), server_->port());
  EXPECT_EQ(GetPort(pm, kMountProgram, 3), server_->port());
  EXPECT_EQ(GetPort(server_->port(), kNfsProgram, 3), server_->port());
  EXPECT_EQ(GetPort(pm, kNfsProgram, 4), 0u);
  EXPECT_EQ(GetPort(pm, kNfsProgram, 3, 17), 0u) << "no UDP";
  EXPECT_EQ(GetPort(pm, 100021, 4), 0u) << "no NLM";
  // The portmap-only listener serves nothing else.
  RawClient c(pm);
  ASSERT_TRUE(c.Send(MakeCall({.xid = 2, .prog = kNfsProgram, .vers = 3, .proc = 0})));
  EXPECT_EQ(ParseReply(*c.Receive()).stat, static_cast<uint32_t>(AcceptStat::kProgUnavail));
  // DUMP lists NFS and MOUNT over TCP.
  ASSERT_TRUE(c.Send(MakeCall({.xid = 3, .prog = kPortmapProgram, .vers = 2, .proc = 4})));
  auto r = ParseReply(*c.Receive());
  XdrReader body(r.body);
  int entries = 0;
  while (body.Bool()) {
    body.U32();
    body.U32();
    EXPECT_EQ(body.U32(), kIpProtoTcp);
    EXPECT_EQ(body.U32(), server_->port());
    ++entries;
  }
  EXPECT_EQ(entries, 2);
}

TEST_F(Nfs3RawTest, ErrorTableMapsToNfsStatuses) {
  EXPECT_EQ(ToNfs3Status(Code::kOk), 0);
  EXPECT_EQ(ToNfs3Status(Code::kNotFound), 2);
  EXPECT_EQ(ToNfs3Status(Code::kAlreadyExists), 17);
  EXPECT_EQ(ToNfs3Status(Code::kNotEmpty), 66);
  EXPECT_EQ(ToNfs3Status(Code::kReadOnly), 30);
  EXPECT_EQ(ToNfs3Status(Code::kStale), 70);
  EXPECT_EQ(ToNfs3Status(Code::kConflict), 10008);  // JUKEBOX: retry later
}

}  // namespace
}  // namespace nasd::nfs
