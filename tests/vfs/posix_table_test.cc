// POSIX cases of the namespace operations, each with the exact errno Linux gives.
#include "vfs/posix_tree.h"

namespace nasd::vfs::testing {
namespace {

std::vector<Case> NamespaceCases() {
  using E = Env&;
  return {
      // lookup
      {"lookup missing", [](E e) { return St(e.fs.Lookup(kRoot, e("/d"), "nope")); }, ENOENT},
      {"lookup in a file", [](E e) { return St(e.fs.Lookup(kRoot, e("/f2"), "x")); }, ENOTDIR},
      {"lookup 256-byte name", [](E e) { return St(e.fs.Lookup(kRoot, e("/d"), k256)); },
       ENAMETOOLONG},
      {"lookup 255-byte name", [](E e) { return St(e.fs.Lookup(kRoot, e("/d"), k255)); }, ENOENT},
      {"lookup name with slash", [](E e) { return St(e.fs.Lookup(kRoot, e("/"), "d/f")); }, EINVAL},
      {"lookup empty name", [](E e) { return St(e.fs.Lookup(kRoot, e("/"), "")); }, EINVAL},
      {"lookup dot", [](E e) { return St(e.fs.Lookup(kRoot, e("/d"), ".")); }, 0},
      {"lookup without x", [](E e) { return St(e.fs.Lookup(kAlice, e("/priv"), "secret")); },
       EACCES},
      {"lookup stale dir", [](E e) { return St(e.fs.Lookup(kRoot, 999999, "x")); }, ESTALE},
      // create
      {"create O_EXCL existing",
       [](E e) { return St(e.fs.Create(kRoot, e("/d"), "f", 0644, true)); }, EEXIST},
      {"create existing file",
       [](E e) { return St(e.fs.Create(kRoot, e("/d"), "f", 0644, false)); }, 0},
      {"create over a directory",
       [](E e) { return St(e.fs.Create(kRoot, e("/d"), "sub", 0644, false)); }, EISDIR},
      {"create in a file", [](E e) { return St(e.fs.Create(kRoot, e("/f2"), "x", 0644, true)); },
       ENOTDIR},
      {"create dot", [](E e) { return St(e.fs.Create(kRoot, e("/d"), ".", 0644, true)); }, EEXIST},
      {"create in read-only dir",
       [](E e) { return St(e.fs.Create(kAlice, e("/ro"), "n", 0644, true)); }, EACCES},
      {"create in read-only dir as root",
       [](E e) { return St(e.fs.Create(kRoot, e("/ro"), "n", 0644, true)); }, 0},
      {"create existing in read-only dir",
       [](E e) { return St(e.fs.Create(kAlice, e("/ro"), "existing", 0644, true)); }, EEXIST},
      {"create 256-byte name",
       [](E e) { return St(e.fs.Create(kRoot, e("/d"), k256, 0644, true)); }, ENAMETOOLONG},
      {"create 255-byte name",
       [](E e) { return St(e.fs.Create(kRoot, e("/d"), k255, 0644, true)); }, 0},
      {"create name with NUL",
       [](E e) { return St(e.fs.Create(kRoot, e("/d"), std::string("a\0b", 3), 0644, true)); },
       EINVAL},
      {"create via group write",
       [](E e) { return St(e.fs.Create(kBob, e("/grp"), "n", 0644, true)); }, 0},
      {"create without group",
       [](E e) { return St(e.fs.Create(kCarol, e("/grp"), "n", 0644, true)); }, EACCES},
      // mkdir / symlink / readlink
      {"mkdir existing", [](E e) { return St(e.fs.Mkdir(kRoot, e("/d"), "f", 0755)); }, EEXIST},
      {"mkdir dotdot", [](E e) { return St(e.fs.Mkdir(kRoot, e("/d"), "..", 0755)); }, EEXIST},
      {"mkdir in stale dir", [](E e) { return St(e.fs.Mkdir(kRoot, 424242, "x", 0755)); }, ESTALE},
      {"symlink empty target", [](E e) { return St(e.fs.Symlink(kRoot, e("/d"), "s", "")); },
       ENOENT},
      {"symlink long target",
       [](E e) { return St(e.fs.Symlink(kRoot, e("/d"), "s", std::string(4096, 't'))); },
       ENAMETOOLONG},
      {"symlink existing", [](E e) { return St(e.fs.Symlink(kRoot, e("/"), "f2", "x")); }, EEXIST},
      {"readlink of a file", [](E e) { return St(e.fs.ReadLink(e("/f2"))); }, EINVAL},
      {"readlink", [](E e) { return St(e.fs.ReadLink(e("/l"))); }, 0},
      // link
      {"link a directory", [](E e) { return St(e.fs.Link(kRoot, e("/d"), e("/"), "d2")); }, EPERM},
      {"link onto existing", [](E e) { return St(e.fs.Link(kRoot, e("/f2"), e("/d"), "f")); },
       EEXIST},
      {"link into read-only dir",
       [](E e) { return St(e.fs.Link(kAlice, e("/alice/a1"), e("/ro"), "a")); }, EACCES},
      {"link", [](E e) { return St(e.fs.Link(kRoot, e("/f2"), e("/d"), "f3")); }, 0},
      // unlink
      {"unlink a directory", [](E e) { return e.fs.Unlink(kRoot, e("/d"), "sub"); }, EISDIR},
      {"unlink missing", [](E e) { return e.fs.Unlink(kRoot, e("/d"), "nope"); }, ENOENT},
      {"unlink dot", [](E e) { return e.fs.Unlink(kRoot, e("/d"), "."); }, EISDIR},
      {"unlink in read-only dir", [](E e) { return e.fs.Unlink(kAlice, e("/ro"), "existing"); },
       EACCES},
      {"unlink other's file in sticky dir",
       [](E e) { return e.fs.Unlink(kAlice, e("/sticky"), "bobs"); }, EPERM},
      {"unlink own file in sticky dir",
       [](E e) { return e.fs.Unlink(kAlice, e("/sticky"), "alices"); }, 0},
      {"unlink in sticky dir as root", [](E e) { return e.fs.Unlink(kRoot, e("/sticky"), "bobs"); },
       0},
      {"unlink symlink", [](E e) { return e.fs.Unlink(kRoot, e("/"), "l"); }, 0},
      // rmdir
      {"rmdir a file", [](E e) { return e.fs.Rmdir(kRoot, e("/d"), "f"); }, ENOTDIR},
      {"rmdir non-empty", [](E e) { return e.fs.Rmdir(kRoot, e("/d"), "full"); }, ENOTEMPTY},
      {"rmdir dot", [](E e) { return e.fs.Rmdir(kRoot, e("/d"), "."); }, EINVAL},
      {"rmdir dotdot", [](E e) { return e.fs.Rmdir(kRoot, e("/d"), ".."); }, ENOTEMPTY},
      {"rmdir missing", [](E e) { return e.fs.Rmdir(kRoot, e("/d"), "nope"); }, ENOENT},
      {"rmdir empty", [](E e) { return e.fs.Rmdir(kRoot, e("/d"), "sub"); }, 0},
      // rename
      {"rename missing", [](E e) { return e.fs.Rename(kRoot, e("/d"), "nope", e("/d"), "x"); },
       ENOENT},
      {"rename file over dir", [](E e) { return e.fs.Rename(kRoot, e("/d"), "f", e("/d"), "sub"); },
       EISDIR},
      {"rename dir over file", [](E e) { return e.fs.Rename(kRoot, e("/d"), "sub", e("/d"), "f"); },
       ENOTDIR},
      {"rename dir over non-empty dir",
       [](E e) { return e.fs.Rename(kRoot, e("/d"), "sub", e("/d"), "full"); }, ENOTEMPTY},
      {"rename dir over empty dir",
       [](E e) { return e.fs.Rename(kRoot, e("/d"), "full", e("/d"), "sub"); }, 0},
      {"rename dir into own subtree",
       [](E e) { return e.fs.Rename(kRoot, e("/"), "d", e("/d/sub"), "x"); }, EINVAL},
      {"rename dir into itself", [](E e) { return e.fs.Rename(kRoot, e("/"), "d", e("/d"), "x"); },
       EINVAL},
      {"rename onto ancestor",
       [](E e) { return e.fs.Rename(kRoot, e("/d/full"), "x", e("/"), "d"); }, ENOTEMPTY},
      {"rename noreplace existing",
       [](E e) { return e.fs.Rename(kRoot, e("/d"), "f", e("/"), "f2", kRenameNoReplace); },
       EEXIST},
      {"rename noreplace new",
       [](E e) { return e.fs.Rename(kRoot, e("/d"), "f", e("/"), "f9", kRenameNoReplace); }, 0},
      {"rename dot", [](E e) { return e.fs.Rename(kRoot, e("/d"), ".", e("/"), "x"); }, EBUSY},
      {"rename onto dotdot", [](E e) { return e.fs.Rename(kRoot, e("/d"), "f", e("/d"), ".."); },
       EBUSY},
      {"rename bad flags", [](E e) { return e.fs.Rename(kRoot, e("/d"), "f", e("/d"), "g", 4); },
       EINVAL},
      {"rename other's file out of sticky dir",
       [](E e) { return e.fs.Rename(kAlice, e("/sticky"), "bobs", e("/sticky"), "mine"); }, EPERM},
      {"rename over other's file in sticky dir",
       [](E e) { return e.fs.Rename(kAlice, e("/sticky"), "alices", e("/sticky"), "bobs"); },
       EPERM},
      {"rename own file in sticky dir",
       [](E e) { return e.fs.Rename(kAlice, e("/sticky"), "alices", e("/sticky"), "new"); }, 0},
      {"rename dir across parents without write on it",
       [](E e) { return e.fs.Rename(kAlice, e("/alice"), "rootdir", e("/alice/dst"), "r"); },
       EACCES},
      {"rename from read-only dir",
       [](E e) { return e.fs.Rename(kAlice, e("/ro"), "existing", e("/alice"), "e"); }, EACCES},
      {"rename into stale dir", [](E e) { return e.fs.Rename(kRoot, e("/d"), "f", 777777, "x"); },
       ESTALE},
  };
}

template <typename Factory>
class PosixNamespaceTest : public VfsTest<Factory> {};
TYPED_TEST_SUITE(PosixNamespaceTest, KvFactories, kv::testing::FactoryNames);

TYPED_TEST(PosixNamespaceTest, EveryCaseGivesItsErrno) {
  RunCases(*this->kv_, *this->chunks_, NamespaceCases());
}

}  // namespace
}  // namespace nasd::vfs::testing
