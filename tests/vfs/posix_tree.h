// The POSIX case tables' shared parts: callers, the tree every case starts
// from, and the runner. Cases live in posix_*_test.cc.
#pragma once

#include <cerrno>
#include <functional>
#include <string>
#include <vector>

#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {

inline const Caller kRoot = Caller::Root();
inline const Caller kAlice{1000, 1000, {}};
inline const Caller kBob{2000, 2000, {1000}};
inline const Caller kCarol{3000, 3000, {}};

struct Env {
  Filesystem& fs;
  uint64_t operator()(std::string_view path) const { return ResolvePath(fs, path); }
};

template <typename T>
Status St(const Result<T>& r) {
  return r.status();
}

struct Case {
  const char* name;
  std::function<Status(Env&)> op;
  int expected;  // errno, 0 for success
};

inline void BuildTree(Filesystem& fs) {
  MakeDir(fs, "/d");
  MakeFile(fs, "/d/f", "hello");
  MakeDir(fs, "/d/sub");
  MakeDir(fs, "/d/full");
  MakeFile(fs, "/d/full/x");
  MakeFile(fs, "/f2", "data");
  ASSERT_TRUE(fs.Symlink(kRoot, fs.root(), "l", "f2").ok());
  MakeDir(fs, "/ro", 0555);
  MakeFile(fs, "/ro/existing");
  MakeDir(fs, "/priv", 0700);
  MakeFile(fs, "/priv/secret");
  MakeDir(fs, "/sticky", 01777);
  MakeFile(fs, "/sticky/alices");
  Chown(fs, "/sticky/alices", 1000, 1000);
  MakeFile(fs, "/sticky/bobs");
  Chown(fs, "/sticky/bobs", 2000, 2000);
  MakeDir(fs, "/alice");
  Chown(fs, "/alice", 1000, 1000);
  MakeFile(fs, "/alice/a1");
  Chown(fs, "/alice/a1", 1000, 1000);
  MakeDir(fs, "/alice/dst");
  Chown(fs, "/alice/dst", 1000, 1000);
  MakeDir(fs, "/alice/rootdir");
  MakeFile(fs, "/wo", "", 0200);
  Chown(fs, "/wo", 1000, 1000);
  MakeFile(fs, "/shared", "", 0666);
  MakeFile(fs, "/rofile", "", 0644);
  MakeDir(fs, "/grp", 0775);
  Chown(fs, "/grp", 0, 1000);
}

inline const std::string k255(255, 'n');
inline const std::string k256(256, 'n');

// Runs every case on a fresh copy of the tree (a share of its own) and
// expects its errno.
inline void RunCases(kv::KvEngine& kv, chunk::ChunkStore& chunks, const std::vector<Case>& cases) {
  meta::ShareStore shares(kv);
  int n = 0;
  for (const Case& c : cases) {
    std::string share = "case" + std::to_string(n++);
    ASSERT_TRUE(shares.Create(share).ok());
    auto fs = Filesystem::Open(kv, chunks, share);
    ASSERT_TRUE(fs.ok()) << fs.status().ToString();
    BuildTree(**fs);
    Env env{**fs};
    Status st = c.op(env);
    EXPECT_EQ(ErrnoOf(st), c.expected) << c.name << ": got " << st.ToString();
  }
}

}  // namespace nasd::vfs::testing
