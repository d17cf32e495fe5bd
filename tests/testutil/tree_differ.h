// Differential testing of a file system against the local disk: one random
// operation at a time is applied to two Sides (a plain directory through
// syscalls, and the system under test), their errnos compared, and then
// their whole trees. Used by tests/vfs/differential_test.cc (vfs API against
// the disk) and tests/fuse/fuse_differential_test.cc (a FUSE mount against
// the disk, both through syscalls).
#pragma once

#include <dirent.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>

namespace nasd::testutil::diff {

inline constexpr const char* kNames[] = {"a", "b", "c", "d"};
inline constexpr const char* kXattrs[] = {"user.x", "user.y", "user.z"};
// Symlink targets: never an existing name, so every link dangles and both
// sides agree on what following one means (ENOENT).
inline constexpr const char* kTargets[] = {"nowhere", "x/y", "/nonexistent/z"};

// One object of a tree as compared: everything but timestamps and inode numbers.
struct Node {
  uint32_t mode = 0;  // st_mode
  uint64_t nlink = 0;
  uint64_t size = 0;
  std::string data;                         // regular files
  std::string target;                       // symlinks
  std::map<std::string, std::string> xattrs;  // kXattrs: value or "<errno>"
  std::string first_link;                   // first path (in walk order) of the same inode
};
using Tree = std::map<std::string, Node>;

// A file system the operations apply to, by path relative to its top.
// Every call returns 0 or the errno.
class Side {
 public:
  virtual ~Side() = default;
  virtual int Create(const std::string& p) = 0;  // open(O_CREAT|O_EXCL|O_WRONLY, 0644)
  virtual int Write(const std::string& p, uint64_t off, const std::string& data) = 0;
  virtual int Truncate(const std::string& p, uint64_t size) = 0;
  virtual int Rename(const std::string& p, const std::string& q, unsigned flags) = 0;
  virtual int Link(const std::string& p, const std::string& q) = 0;
  virtual int Unlink(const std::string& p) = 0;
  virtual int Mkdir(const std::string& p) = 0;  // mode 0755
  virtual int Rmdir(const std::string& p) = 0;
  virtual int SetXattr(const std::string& p, const std::string& name, const std::string& value,
                       int flags) = 0;
  virtual int RemoveXattr(const std::string& p, const std::string& name) = 0;
  virtual int Chmod(const std::string& p, uint32_t mode) = 0;
  virtual int Symlink(const std::string& target, const std::string& p) = 0;
  // The whole tree below the top, keyed by path ("a/b").
  virtual Tree Snapshot() = 0;
};

// A directory through syscalls (as root).
class PosixSide : public Side {
 public:
  explicit PosixSide(std::string dir) : dir_(std::move(dir)) {}

  int Create(const std::string& p) override {
    return Sys(Close(::open(L(p).c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644)));
  }
  int Write(const std::string& p, uint64_t off, const std::string& data) override {
    int fd = ::open(L(p).c_str(), O_WRONLY);
    if (fd < 0) return errno;
    int err = Sys(::pwrite(fd, data.data(), data.size(), static_cast<off_t>(off)) < 0 ? -1 : 0);
    if (::close(fd) != 0 && err == 0) err = errno;
    return err;
  }
  int Truncate(const std::string& p, uint64_t size) override {
    return Sys(::truncate(L(p).c_str(), static_cast<off_t>(size)));
  }
  int Rename(const std::string& p, const std::string& q, unsigned flags) override {
    return Sys(::renameat2(AT_FDCWD, L(p).c_str(), AT_FDCWD, L(q).c_str(), flags));
  }
  int Link(const std::string& p, const std::string& q) override {
    return Sys(::link(L(p).c_str(), L(q).c_str()));
  }
  int Unlink(const std::string& p) override { return Sys(::unlink(L(p).c_str())); }
  int Mkdir(const std::string& p) override { return Sys(::mkdir(L(p).c_str(), 0755)); }
  int Rmdir(const std::string& p) override { return Sys(::rmdir(L(p).c_str())); }
  int SetXattr(const std::string& p, const std::string& name, const std::string& value,
               int flags) override {
    return Sys(::setxattr(L(p).c_str(), name.c_str(), value.data(), value.size(), flags));
  }
  int RemoveXattr(const std::string& p, const std::string& name) override {
    return Sys(::removexattr(L(p).c_str(), name.c_str()));
  }
  int Chmod(const std::string& p, uint32_t mode) override { return Sys(::chmod(L(p).c_str(), mode)); }
  int Symlink(const std::string& target, const std::string& p) override {
    return Sys(::symlink(target.c_str(), L(p).c_str()));
  }

  Tree Snapshot() override {
    Tree tree;
    std::map<ino_t, std::string> seen;
    Walk("", tree, seen);
    return tree;
  }

 private:
  std::string L(const std::string& p) const { return p.empty() ? dir_ : dir_ + "/" + p; }
  static int Sys(long rc) { return rc < 0 ? errno : 0; }
  static long Close(int fd) {
    if (fd >= 0) ::close(fd);
    return fd;
  }

  void Walk(const std::string& at, Tree& tree, std::map<ino_t, std::string>& seen) {
    std::map<std::string, bool> names;  // sorted: the walk order is the same on both sides
    DIR* d = ::opendir(L(at).c_str());
    for (dirent* e; d != nullptr && (e = ::readdir(d)) != nullptr;) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names[n] = true;
    }
    if (d != nullptr) ::closedir(d);
    for (const auto& [n, _] : names) {
      std::string p = at.empty() ? n : at + "/" + n;
      Node& node = tree[p];
      struct stat st {};
      if (::lstat(L(p).c_str(), &st) != 0) {
        node.data = "<lstat " + std::to_string(errno) + ">";
        continue;
      }
      node.mode = st.st_mode;
      node.nlink = st.st_nlink;
      auto [it, fresh] = seen.emplace(st.st_ino, p);
      node.first_link = it->second;
      if (S_ISREG(st.st_mode)) {
        node.size = static_cast<uint64_t>(st.st_size);
        node.data = ReadAll(L(p));
      } else if (S_ISLNK(st.st_mode)) {
        char buf[4096];
        ssize_t len = ::readlink(L(p).c_str(), buf, sizeof buf);
        node.target = len < 0 ? "<" + std::to_string(errno) + ">" : std::string(buf, static_cast<size_t>(len));
        node.size = static_cast<uint64_t>(st.st_size);
      }
      for (const char* x : kXattrs) {
        char buf[256];
        ssize_t len = ::lgetxattr(L(p).c_str(), x, buf, sizeof buf);
        node.xattrs[x] = len < 0 ? "<" + std::to_string(errno) + ">" : std::string(buf, static_cast<size_t>(len));
      }
      if (S_ISDIR(st.st_mode) && fresh) Walk(p, tree, seen);
    }
  }

  static std::string ReadAll(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) return "<open " + std::to_string(errno) + ">";
    std::string out;
    char buf[65536];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
      if (n < 0) {
        out += "<read " + std::to_string(errno) + ">";
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
  }

  const std::string dir_;
};

// What the random walk covers.
struct DifferOptions {
  uint64_t span = 0;      // offsets and sizes stay below this
  uint64_t big = 0;   // the largest single write
};

// Applies the same random operations to `want` (the reference, the local
// disk) and `got` (the system under test) and compares.
class Differ {
 public:
  Differ(Side& want, Side& got, uint64_t seed, DifferOptions options)
      : want_(want), got_(got), rng_(seed), o_(options) {}

  // Runs one random operation on both sides; returns a description, and
  // "MISMATCH ..." when the errnos differ.
  std::string Step() {
    std::string p = Path(), q = Path();
    std::ostringstream what;
    int local = 0, remote = 0;
    auto both = [&](auto op) {
      local = op(want_);
      remote = op(got_);
    };
    switch (Pick(14)) {  // 11 and 12 weight creates and writes up
      case 0:
      case 11:
        what << "create " << p;
        both([&](Side& s) { return s.Create(p); });
        break;
      case 1:
      case 12: {
        uint64_t off = Pick(3) == 0 ? Pick(o_.span) : Pick(600);
        std::string data =
            Bytes(Pick(8) == 0 ? Pick(o_.big) : Pick(3) == 0 ? Pick(20000) : Pick(300));
        what << "write " << p << " @" << off << " +" << data.size();
        both([&](Side& s) { return s.Write(p, off, data); });
        break;
      }
      case 2: {
        uint64_t size = Pick(2) == 0 ? Pick(o_.span) : Pick(500);
        what << "truncate " << p << " " << size;
        both([&](Side& s) { return s.Truncate(p, size); });
        break;
      }
      case 3:
      case 4: {
        unsigned flags = Pick(4) == 0 ? RENAME_NOREPLACE : 0;
        what << "rename " << p << " " << q << " flags " << flags;
        both([&](Side& s) { return s.Rename(p, q, flags); });
        break;
      }
      case 5:
        what << "link " << p << " " << q;
        both([&](Side& s) { return s.Link(p, q); });
        break;
      case 6:
        what << "unlink " << p;
        both([&](Side& s) { return s.Unlink(p); });
        break;
      case 7:
        what << "mkdir " << p;
        both([&](Side& s) { return s.Mkdir(p); });
        break;
      case 8:
        what << "rmdir " << p;
        both([&](Side& s) { return s.Rmdir(p); });
        break;
      case 9: {
        std::string name = kXattrs[Pick(3)];
        int flags = static_cast<int>(Pick(3));  // 0, XATTR_CREATE, XATTR_REPLACE
        bool remove = Pick(4) == 0;
        std::string value = Bytes(Pick(40));
        what << (remove ? "removexattr " : "setxattr ") << p << " " << name << " flags " << flags;
        both([&](Side& s) { return remove ? s.RemoveXattr(p, name) : s.SetXattr(p, name, value, flags); });
        break;
      }
      case 10: {
        uint32_t mode = static_cast<uint32_t>(Pick(010000)) | 0700;
        what << "chmod " << p << " " << std::oct << mode << std::dec;
        both([&](Side& s) { return s.Chmod(p, mode); });
        break;
      }
      case 13: {
        std::string target = kTargets[Pick(3)];
        what << "symlink " << target << " " << p;
        both([&](Side& s) { return s.Symlink(target, p); });
        break;
      }
    }
    what << " -> local " << local << " tested " << remote;
    if (local == 0) ++successes_;
    // DIFF_TRACE=1 prints every step, to replay a failing seed by eye.
    if (std::getenv("DIFF_TRACE")) std::cerr << what.str() << "\n";
    if (local != remote) return "MISMATCH " + what.str();
    return what.str();
  }

  // Steps whose operation succeeded (on both sides).
  int successes() const { return successes_; }

  // Compares both trees; returns "" when they agree, else the differences.
  std::string Compare() {
    Tree want = want_.Snapshot(), got = got_.Snapshot();
    std::ostringstream diff;
    for (const auto& [p, w] : want) {
      auto it = got.find(p);
      if (it == got.end()) {
        diff << p << ": only on local disk\n";
        continue;
      }
      const Node& g = it->second;
      if (w.mode != g.mode) diff << p << ": mode " << std::oct << w.mode << " vs " << g.mode << std::dec << "\n";
      if (w.nlink != g.nlink) diff << p << ": nlink " << w.nlink << " vs " << g.nlink << "\n";
      if (w.size != g.size) diff << p << ": size " << w.size << " vs " << g.size << "\n";
      if (w.data != g.data) diff << p << ": contents differ\n";
      if (w.target != g.target) diff << p << ": target " << w.target << " vs " << g.target << "\n";
      if (w.first_link != g.first_link) diff << p << ": hard links differ\n";
      for (const auto& [x, v] : w.xattrs) {
        auto gx = g.xattrs.find(x);
        if (gx == g.xattrs.end() || gx->second != v) diff << p << ": xattr " << x << " differs\n";
      }
    }
    for (const auto& [p, _] : got) {
      if (!want.count(p)) diff << p << ": only in the tested tree\n";
    }
    return diff.str();
  }

 private:
  uint64_t Pick(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  std::string Path() {
    std::string p;
    // Mostly shallow paths, so that most operations find their parent.
    const uint64_t depth = Pick(10) < 5 ? 1 : Pick(10) < 7 ? 2 : 3;
    for (uint64_t i = 0; i < depth; ++i) p += std::string(i ? "/" : "") + kNames[Pick(4)];
    return p;
  }
  std::string Bytes(uint64_t n) {
    std::string s(n, '\0');
    char c = static_cast<char>('a' + Pick(26));
    for (uint64_t i = 0; i < n; ++i) s[i] = static_cast<char>(c + i % 7);
    return s;
  }

  Side& want_;
  Side& got_;
  std::mt19937_64 rng_;
  const DifferOptions o_;
  int successes_ = 0;
};

// Runs `steps` steps of a walk, comparing the trees after each; fails the
// test at the first difference, naming the seed and the step.
inline void RunWalk(Side& want, Side& got, uint64_t seed, int steps, DifferOptions options) {
  Differ differ(want, got, seed, options);
  for (int i = 0; i < steps; ++i) {
    std::string step = differ.Step();
    ASSERT_EQ(step.rfind("MISMATCH", 0), std::string::npos)
        << "seed " << seed << " step " << i << ": " << step;
    std::string diff = differ.Compare();
    ASSERT_EQ(diff, "") << "seed " << seed << " step " << i << " after " << step;
  }
  // The walk must mostly do things, not only collect errors.
  EXPECT_GT(differ.successes(), steps / 10) << "seed " << seed;
  std::cout << "seed " << seed << ": " << differ.successes() << " of " << steps
            << " steps succeeded\n";
}

}  // namespace nasd::testutil::diff
