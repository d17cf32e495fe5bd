// Differ: applies one random operation at a time to a vfs::Filesystem and,
// through syscalls, to a directory on the local disk (as root), and compares
// the errnos and then the whole trees. Used by differential_test.cc.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing::diff {

// Offsets and sizes stay within kSpan: past the inline limit and across
// several blocks of kTestBlockSize, small enough to compare every step.
inline constexpr uint64_t kSpan = 5 * kTestBlockSize + 1000;

const Caller kRoot = Caller::Root();
const char* const kNames[] = {"a", "b", "c", "d"};
const char* const kXattrs[] = {"user.x", "user.y", "user.z"};

class Differ {
 public:
  Differ(Filesystem& fs, std::string dir, uint64_t seed)
      : fs_(fs), dir_(std::move(dir)), rng_(seed) {}

  // Runs one random operation on both sides; returns a description, and
  // "MISMATCH ..." when the errnos differ.
  std::string Step() {
    std::string p = Path(), q = Path();
    std::ostringstream what;
    int local = 0, remote = 0;
    switch (Pick(13)) {  // 11 and 12 weight creates and writes up
      case 0:
      case 11:
        what << "create " << p;
        local = Sys(Close(::open(L(p).c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644)));
        remote = In(p, [&](uint64_t d, const std::string& n) {
          return fs_.Create(kRoot, d, n, 0644, true).status();
        });
        break;
      case 1:
      case 12: {
        uint64_t off = Pick(3) == 0 ? Pick(kSpan) : Pick(600);
        std::string data = Bytes(Pick(8) == 0 ? Pick(3 * kTestBlockSize) : Pick(3) == 0 ? Pick(20000) : Pick(300));
        what << "write " << p << " @" << off << " +" << data.size();
        int fd = ::open(L(p).c_str(), O_WRONLY);
        local =
            fd < 0
                ? errno
                : Sys(::pwrite(fd, data.data(), data.size(), static_cast<off_t>(off)) < 0 ? -1 : 0);
        if (fd >= 0) ::close(fd);
        remote = In(p, [&](uint64_t d, const std::string& n) -> Status {
          NASD_ASSIGN_OR_RETURN(Attr a, fs_.Lookup(kRoot, d, n));
          NASD_RETURN_IF_ERROR(fs_.OpenFile(kRoot, a.ino, OpenFlags{false, true}).status());
          return fs_.Write(kRoot, a.ino, off, data).status();
        });
        break;
      }
      case 2: {
        uint64_t size = Pick(2) == 0 ? Pick(kSpan) : Pick(500);
        what << "truncate " << p << " " << size;
        local = Sys(::truncate(L(p).c_str(), static_cast<off_t>(size)));
        remote = In(p, [&](uint64_t d, const std::string& n) -> Status {
          NASD_ASSIGN_OR_RETURN(Attr a, fs_.Lookup(kRoot, d, n));
          SetAttrRequest req;
          req.size = size;
          return fs_.SetAttr(kRoot, a.ino, req).status();
        });
        break;
      }
      case 3:
      case 4: {
        unsigned flags = Pick(4) == 0 ? kRenameNoReplace : 0;
        what << "rename " << p << " " << q << " flags " << flags;
        local = Sys(::renameat2(AT_FDCWD, L(p).c_str(), AT_FDCWD, L(q).c_str(), flags));
        remote = In(p, [&](uint64_t d, const std::string& n) {
          return In2(q, [&](uint64_t d2, const std::string& n2) {
            return fs_.Rename(kRoot, d, n, d2, n2, flags);
          });
        });
        break;
      }
      case 5:
        what << "link " << p << " " << q;
        local = Sys(::link(L(p).c_str(), L(q).c_str()));
        remote = In(p, [&](uint64_t d, const std::string& n) -> Status {
          NASD_ASSIGN_OR_RETURN(Attr a, fs_.Lookup(kRoot, d, n));
          return In2(q, [&](uint64_t d2, const std::string& n2) {
            return fs_.Link(kRoot, a.ino, d2, n2).status();
          });
        });
        break;
      case 6:
        what << "unlink " << p;
        local = Sys(::unlink(L(p).c_str()));
        remote = In(p, [&](uint64_t d, const std::string& n) { return fs_.Unlink(kRoot, d, n); });
        break;
      case 7:
        what << "mkdir " << p;
        local = Sys(::mkdir(L(p).c_str(), 0755));
        remote = In(p, [&](uint64_t d, const std::string& n) {
          return fs_.Mkdir(kRoot, d, n, 0755).status();
        });
        break;
      case 8:
        what << "rmdir " << p;
        local = Sys(::rmdir(L(p).c_str()));
        remote = In(p, [&](uint64_t d, const std::string& n) { return fs_.Rmdir(kRoot, d, n); });
        break;
      case 9: {
        std::string name = kXattrs[Pick(3)];
        int flags = static_cast<int>(Pick(3));  // 0, XATTR_CREATE, XATTR_REPLACE
        bool remove = Pick(4) == 0;
        std::string value = Bytes(Pick(40));
        what << (remove ? "removexattr " : "setxattr ") << p << " " << name << " flags " << flags;
        local =
            Sys(remove ? ::removexattr(L(p).c_str(), name.c_str())
                       : ::setxattr(L(p).c_str(), name.c_str(), value.data(), value.size(), flags));
        remote = In(p, [&](uint64_t d, const std::string& n) -> Status {
          NASD_ASSIGN_OR_RETURN(Attr a, fs_.Lookup(kRoot, d, n));
          return remove ? fs_.RemoveXattr(kRoot, a.ino, name)
                        : fs_.SetXattr(kRoot, a.ino, name, value, flags);
        });
        break;
      }
      case 10: {
        uint32_t mode = static_cast<uint32_t>(Pick(010000)) | 0700;
        what << "chmod " << p << " " << std::oct << mode << std::dec;
        local = Sys(::chmod(L(p).c_str(), mode));
        remote = In(p, [&](uint64_t d, const std::string& n) -> Status {
          NASD_ASSIGN_OR_RETURN(Attr a, fs_.Lookup(kRoot, d, n));
          SetAttrRequest req;
          req.mode = mode;
          return fs_.SetAttr(kRoot, a.ino, req).status();
        });
        break;
      }
    }
    what << " -> local " << local << " vfs " << remote;
    if (local == 0) ++successes_;
    // DIFF_TRACE=1 prints every step, to replay a failing seed by eye.
    if (std::getenv("DIFF_TRACE")) std::cerr << what.str() << "\n";
    if (local != remote) return "MISMATCH " + what.str();
    return what.str();
  }

  // Steps whose operation succeeded (on both sides).
  int successes() const { return successes_; }

  // Compares both trees; returns "" when they agree, else the difference.
  std::string Compare() {
    inodes_.clear();
    std::ostringstream diff;
    CompareDir(dir_, fs_.root(), "/", diff);
    return diff.str();
  }

 private:
  uint64_t Pick(uint64_t n) { return rng_() % n; }
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
  std::string L(const std::string& p) const { return dir_ + "/" + p; }
  static int Sys(long rc) { return rc < 0 ? errno : 0; }
  static long Close(int fd) {
    if (fd >= 0) ::close(fd);
    return fd;
  }
  // Resolves the parent directory of path as a path walk does (ENOENT,
  // ENOTDIR), then runs op on (parent, last component); returns the errno.
  template <typename Op>
  int In(const std::string& path, Op op) {
    uint64_t cur = fs_.root();
    size_t start = 0;
    for (size_t slash; (slash = path.find('/', start)) != std::string::npos; start = slash + 1) {
      auto a = fs_.Lookup(kRoot, cur, path.substr(start, slash - start));
      if (!a.ok()) return ErrnoOf(a.status());
      if (a->type != FileType::kDirectory) return ENOTDIR;
      cur = a->ino;
    }
    return ErrnoOf(op(cur, path.substr(start)));
  }
  template <typename Op>
  Status In2(const std::string& path, Op op) {
    Status result;
    int err = In(path, [&](uint64_t d, const std::string& n) { return result = op(d, n); });
    if (err != 0 && result.ok())
      return err == ENOTDIR ? Status(Code::kNotDirectory, "path") : NotFound("path");
    return result;
  }

  void CompareDir(const std::string& local, uint64_t ino, const std::string& at,
                  std::ostringstream& diff) {
    std::map<std::string, bool> names;
    DIR* d = ::opendir(local.c_str());
    for (dirent* e; d != nullptr && (e = ::readdir(d)) != nullptr;) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names[n] = true;
    }
    if (d != nullptr) ::closedir(d);
    std::map<std::string, DirEntry> remote;
    uint64_t cookie = 0;
    for (;;) {
      auto page = fs_.ReadDir(kRoot, ino, cookie, 4);
      if (!page.ok()) {
        diff << at << ": readdir " << page.status().ToString() << "\n";
        return;
      }
      for (const DirEntry& e : page->entries) {
        cookie = e.cookie;
        if (e.name != "." && e.name != "..") remote[e.name] = e;
      }
      if (page->eof) break;
    }
    for (const auto& [n, _] : names) {
      if (!remote.count(n)) diff << at << n << ": only on local disk\n";
    }
    for (const auto& [n, e] : remote) {
      if (!names.count(n)) {
        diff << at << n << ": only in vfs\n";
        continue;
      }
      CompareNode(local + "/" + n, e.ino, at + n, diff);
    }
  }

  void CompareNode(const std::string& local, uint64_t ino, const std::string& at,
                   std::ostringstream& diff) {
    struct stat st {};
    auto attr = fs_.GetAttr(ino);
    if (::lstat(local.c_str(), &st) != 0 || !attr.ok()) {
      diff << at << ": stat failed\n";
      return;
    }
    auto [it, fresh] = inodes_.emplace(st.st_ino, ino);
    if (it->second != ino) diff << at << ": hard links differ\n";
    if (st.st_mode != attr->st_mode())
      diff << at << ": mode " << std::oct << st.st_mode << " vs " << attr->st_mode() << std::dec
           << "\n";
    if (st.st_nlink != attr->nlink)
      diff << at << ": nlink " << st.st_nlink << " vs " << attr->nlink << "\n";
    if (S_ISREG(st.st_mode)) {
      if (static_cast<uint64_t>(st.st_size) != attr->size)
        diff << at << ": size " << st.st_size << " vs " << attr->size << "\n";
      std::string want(static_cast<size_t>(st.st_size), '\0');
      int fd = ::open(local.c_str(), O_RDONLY);
      if (fd < 0 || ::pread(fd, want.data(), want.size(), 0) != static_cast<ssize_t>(want.size()))
        diff << at << ": read failed\n";
      if (fd >= 0) ::close(fd);
      auto got = fs_.Read(ino, 0, kSpan * 2);
      if (!got.ok() || *got != want) diff << at << ": contents differ\n";
    }
    for (const char* x : kXattrs) {
      char buf[256];
      ssize_t n = ::lgetxattr(local.c_str(), x, buf, sizeof buf);
      auto got = fs_.GetXattr(kRoot, ino, x);
      std::string want =
          n < 0 ? "<" + std::to_string(errno) + ">" : std::string(buf, static_cast<size_t>(n));
      std::string have = got.ok() ? *got : "<" + std::to_string(ErrnoOf(got.status())) + ">";
      if (want != have) diff << at << ": xattr " << x << " differs\n";
    }
    if (S_ISDIR(st.st_mode) && fresh) CompareDir(local, ino, at + "/", diff);
  }

  Filesystem& fs_;
  const std::string dir_;
  std::mt19937_64 rng_;
  std::map<ino_t, uint64_t> inodes_;
  int successes_ = 0;
};

}  // namespace nasd::vfs::testing::diff
