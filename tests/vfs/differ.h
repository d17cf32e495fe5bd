// VfsSide: the differential test's operations (testutil/tree_differ.h)
// applied to a vfs::Filesystem through its API, resolving paths as a path
// walk does. Used by differential_test.cc against the local disk.
#pragma once

#include <sys/stat.h>

#include "testutil/tree_differ.h"
#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing::diff {

using testutil::diff::Node;
using testutil::diff::Tree;

// Offsets and sizes stay within kSpan: past the inline limit and across
// several blocks of kTestBlockSize, small enough to compare every step.
inline constexpr uint64_t kSpan = 5 * kTestBlockSize + 1000;
inline constexpr testutil::diff::DifferOptions kOptions{.span = kSpan, .big = 3 * kTestBlockSize};

class VfsSide : public testutil::diff::Side {
 public:
  explicit VfsSide(Filesystem& fs) : fs_(fs) {}

  int Create(const std::string& p) override {
    return In(p, [&](uint64_t d, const std::string& n) {
      return fs_.Create(kRoot, d, n, 0644, true).status();
    });
  }
  int Write(const std::string& p, uint64_t off, const std::string& data) override {
    return In(p, [&](uint64_t d, const std::string& n) -> Status {
      NASD_ASSIGN_OR_RETURN(Attr a, Follow(d, n));
      NASD_RETURN_IF_ERROR(fs_.OpenFile(kRoot, a.ino, OpenFlags{false, true}).status());
      return fs_.Write(kRoot, a.ino, off, data).status();
    });
  }
  int Truncate(const std::string& p, uint64_t size) override {
    return SetAttr(p, [&](SetAttrRequest& req) { req.size = size; });
  }
  int Rename(const std::string& p, const std::string& q, unsigned flags) override {
    return In(p, [&](uint64_t d, const std::string& n) {
      return In2(q, [&](uint64_t d2, const std::string& n2) {
        return fs_.Rename(kRoot, d, n, d2, n2, flags);
      });
    });
  }
  int Link(const std::string& p, const std::string& q) override {
    return In(p, [&](uint64_t d, const std::string& n) -> Status {
      NASD_ASSIGN_OR_RETURN(Attr a, fs_.Lookup(kRoot, d, n));
      return In2(q, [&](uint64_t d2, const std::string& n2) {
        return fs_.Link(kRoot, a.ino, d2, n2).status();
      });
    });
  }
  int Unlink(const std::string& p) override {
    return In(p, [&](uint64_t d, const std::string& n) { return fs_.Unlink(kRoot, d, n); });
  }
  int Mkdir(const std::string& p) override {
    return In(p, [&](uint64_t d, const std::string& n) {
      return fs_.Mkdir(kRoot, d, n, 0755).status();
    });
  }
  int Rmdir(const std::string& p) override {
    return In(p, [&](uint64_t d, const std::string& n) { return fs_.Rmdir(kRoot, d, n); });
  }
  int SetXattr(const std::string& p, const std::string& name, const std::string& value,
               int flags) override {
    return In(p, [&](uint64_t d, const std::string& n) -> Status {
      NASD_ASSIGN_OR_RETURN(Attr a, Follow(d, n));
      return fs_.SetXattr(kRoot, a.ino, name, value, flags);
    });
  }
  int RemoveXattr(const std::string& p, const std::string& name) override {
    return In(p, [&](uint64_t d, const std::string& n) -> Status {
      NASD_ASSIGN_OR_RETURN(Attr a, Follow(d, n));
      return fs_.RemoveXattr(kRoot, a.ino, name);
    });
  }
  int Chmod(const std::string& p, uint32_t mode) override {
    return SetAttr(p, [&](SetAttrRequest& req) { req.mode = mode; });
  }
  int Symlink(const std::string& target, const std::string& p) override {
    return In(p, [&](uint64_t d, const std::string& n) {
      return fs_.Symlink(kRoot, d, n, target).status();
    });
  }

  Tree Snapshot() override {
    Tree tree;
    std::map<uint64_t, std::string> seen;
    Walk(fs_.root(), "", tree, seen);
    return tree;
  }

 private:
  static inline const Caller kRoot = Caller::Root();

  // The object a path names when its last component is followed (write,
  // truncate, chmod, setxattr). Every symlink the walk makes dangles
  // (testutil::diff::kTargets), so following one finds nothing.
  Result<Attr> Follow(uint64_t dir, const std::string& name) {
    NASD_ASSIGN_OR_RETURN(Attr a, fs_.Lookup(kRoot, dir, name));
    if (a.type == FileType::kSymlink) return NotFound("dangling symlink");
    return a;
  }

  template <typename Fill>
  int SetAttr(const std::string& p, Fill fill) {
    return In(p, [&](uint64_t d, const std::string& n) -> Status {
      NASD_ASSIGN_OR_RETURN(Attr a, Follow(d, n));
      SetAttrRequest req;
      fill(req);
      return fs_.SetAttr(kRoot, a.ino, req).status();
    });
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
      if (a->type == FileType::kSymlink) return ENOENT;  // dangling, see Follow
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

  void Walk(uint64_t dir, const std::string& at, Tree& tree, std::map<uint64_t, std::string>& seen) {
    std::map<std::string, DirEntry> entries;
    uint64_t cookie = 0;
    for (;;) {
      auto page = fs_.ReadDir(kRoot, dir, cookie, 4);
      if (!page.ok()) {
        tree[at + "<readdir>"].data = page.status().ToString();
        return;
      }
      for (const DirEntry& e : page->entries) {
        cookie = e.cookie;
        if (e.name != "." && e.name != "..") entries[e.name] = e;
      }
      if (page->eof) break;
    }
    for (const auto& [n, e] : entries) {
      std::string p = at.empty() ? n : at + "/" + n;
      Node& node = tree[p];
      auto attr = fs_.GetAttr(e.ino);
      if (!attr.ok()) {
        node.data = "<getattr " + attr.status().ToString() + ">";
        continue;
      }
      node.mode = attr->st_mode();
      node.nlink = attr->nlink;
      auto [it, fresh] = seen.emplace(e.ino, p);
      node.first_link = it->second;
      if (attr->type == FileType::kRegular) {
        node.size = attr->size;
        auto got = fs_.Read(e.ino, 0, attr->size + 1);
        node.data = got.ok() ? *got : "<read " + got.status().ToString() + ">";
      } else if (attr->type == FileType::kSymlink) {
        auto target = fs_.ReadLink(e.ino);
        node.target = target.ok() ? *target : "<" + target.status().ToString() + ">";
        node.size = attr->size;
      }
      for (const char* x : testutil::diff::kXattrs) {
        auto v = fs_.GetXattr(kRoot, e.ino, x);
        node.xattrs[x] = v.ok() ? *v : "<" + std::to_string(ErrnoOf(v.status())) + ">";
      }
      if (attr->type == FileType::kDirectory && fresh) Walk(e.ino, p, tree, seen);
    }
  }

  Filesystem& fs_;
};

}  // namespace nasd::vfs::testing::diff
