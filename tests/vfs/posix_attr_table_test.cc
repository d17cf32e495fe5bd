// POSIX cases of attributes, data, readdir and xattrs, each with the exact errno Linux gives.
#include "vfs/posix_tree.h"

namespace nasd::vfs::testing {
namespace {

std::vector<Case> AttrCases() {
  using E = Env&;
  SetAttrRequest chmod_req;
  chmod_req.mode = 0600;
  SetAttrRequest chown_req;
  chown_req.uid = 2000;
  SetAttrRequest chgrp_other;
  chgrp_other.gid = 3000;
  SetAttrRequest chgrp_member;
  chgrp_member.gid = 1000;
  SetAttrRequest trunc_req;
  trunc_req.size = 1;
  SetAttrRequest trunc_big;
  trunc_big.size = kMaxFileSize + 1;
  SetAttrRequest times_set;
  times_set.mtime = TimeSpec::At(5);
  SetAttrRequest times_now;
  times_now.atime = TimeSpec::Now();
  times_now.mtime = TimeSpec::Now();
  return {
      // setattr
      {"chmod by non-owner",
       [chmod_req](E e) { return St(e.fs.SetAttr(kAlice, e("/f2"), chmod_req)); }, EPERM},
      {"chmod by owner",
       [chmod_req](E e) { return St(e.fs.SetAttr(kAlice, e("/alice/a1"), chmod_req)); }, 0},
      {"chown by non-root",
       [chown_req](E e) { return St(e.fs.SetAttr(kAlice, e("/alice/a1"), chown_req)); }, EPERM},
      {"chgrp to a foreign group",
       [chgrp_other](E e) { return St(e.fs.SetAttr(kAlice, e("/alice/a1"), chgrp_other)); }, EPERM},
      {"chgrp to a member group",
       [chgrp_member](E e) { return St(e.fs.SetAttr(kBob, e("/sticky/bobs"), chgrp_member)); }, 0},
      {"truncate a directory",
       [trunc_req](E e) { return St(e.fs.SetAttr(kRoot, e("/d"), trunc_req)); }, EISDIR},
      {"truncate past the limit",
       [trunc_big](E e) { return St(e.fs.SetAttr(kRoot, e("/f2"), trunc_big)); }, EFBIG},
      {"truncate without write",
       [trunc_req](E e) { return St(e.fs.SetAttr(kAlice, e("/rofile"), trunc_req)); }, EACCES},
      {"utimens explicit by non-owner",
       [times_set](E e) { return St(e.fs.SetAttr(kAlice, e("/shared"), times_set)); }, EPERM},
      {"utimens now by writer",
       [times_now](E e) { return St(e.fs.SetAttr(kAlice, e("/shared"), times_now)); }, 0},
      {"utimens now without write",
       [times_now](E e) { return St(e.fs.SetAttr(kAlice, e("/rofile"), times_now)); }, EACCES},
      // open / read / write
      {"open a symlink", [](E e) { return St(e.fs.OpenFile(kRoot, e("/l"), OpenFlags{true})); },
       ELOOP},
      {"open a directory for writing",
       [](E e) {
         return St(e.fs.OpenFile(kRoot, e("/d"), OpenFlags{false, true}));
       },
       EISDIR},
      {"open write-only file for reading",
       [](E e) { return St(e.fs.OpenFile(kAlice, e("/wo"), OpenFlags{true})); }, EACCES},
      {"open read-only file for writing",
       [](E e) {
         return St(e.fs.OpenFile(kAlice, e("/rofile"), OpenFlags{false, true}));
       },
       EACCES},
      {"write past the limit",
       [](E e) { return St(e.fs.Write(kRoot, e("/f2"), kMaxFileSize, "x")); }, EFBIG},
      {"write up to the limit",
       [](E e) { return St(e.fs.Write(kRoot, e("/f2"), kMaxFileSize - 1, "x")); }, 0},
      {"write a directory", [](E e) { return St(e.fs.Write(kRoot, e("/d"), 0, "x")); }, EISDIR},
      {"read a directory", [](E e) { return St(e.fs.Read(e("/d"), 0, 1)); }, EISDIR},
      // readdir / access
      {"readdir a file", [](E e) { return St(e.fs.ReadDir(kRoot, e("/f2"), 0, 10)); }, ENOTDIR},
      {"readdir without read", [](E e) { return St(e.fs.ReadDir(kAlice, e("/priv"), 0, 10)); },
       EACCES},
      {"access write denied", [](E e) { return e.fs.Access(kAlice, e("/rofile"), kAccessWrite); },
       EACCES},
      {"access exec as root without x bits",
       [](E e) { return e.fs.Access(kRoot, e("/rofile"), kAccessExec); }, EACCES},
      // AccessOf: the same answers from attributes already held
      {"access-of read of a write-only file",
       [](E e) { return Filesystem::AccessOf(kAlice, *e.fs.GetAttr(e("/wo")), kAccessRead); }, EACCES},
      {"access-of read of a read-only file",
       [](E e) { return Filesystem::AccessOf(kAlice, *e.fs.GetAttr(e("/rofile")), kAccessRead); }, 0},
      {"access-of exec as root without x bits",
       [](E e) { return Filesystem::AccessOf(kRoot, *e.fs.GetAttr(e("/rofile")), kAccessExec); }, EACCES},
      {"access-of read as root",
       [](E e) { return Filesystem::AccessOf(kRoot, *e.fs.GetAttr(e("/wo")), kAccessRead); }, 0},
      {"access-of write is not its question",
       [](E e) { return Filesystem::AccessOf(kRoot, *e.fs.GetAttr(e("/f2")), kAccessWrite); }, EINVAL},
      // xattrs
      {"getxattr missing", [](E e) { return St(e.fs.GetXattr(kRoot, e("/f2"), "user.a")); },
       ENODATA},
      {"setxattr", [](E e) { return e.fs.SetXattr(kRoot, e("/f2"), "user.a", "v"); }, 0},
      {"setxattr create existing",
       [](E e) {
         NASD_RETURN_IF_ERROR(e.fs.SetXattr(kRoot, e("/f2"), "user.a", "v"));
         return e.fs.SetXattr(kRoot, e("/f2"), "user.a", "w", kXattrCreate);
       },
       EEXIST},
      {"setxattr replace missing",
       [](E e) { return e.fs.SetXattr(kRoot, e("/f2"), "user.a", "v", kXattrReplace); }, ENODATA},
      {"setxattr both flags",
       [](E e) {
         return e.fs.SetXattr(kRoot, e("/f2"), "user.a", "v", kXattrCreate | kXattrReplace);
       },
       EINVAL},
      {"setxattr empty name", [](E e) { return e.fs.SetXattr(kRoot, e("/f2"), "", "v"); }, ERANGE},
      {"setxattr long name",
       [](E e) { return e.fs.SetXattr(kRoot, e("/f2"), "user." + std::string(251, 'x'), "v"); },
       ERANGE},
      {"setxattr big value",
       [](E e) {
         return e.fs.SetXattr(kRoot, e("/f2"), "user.a", std::string(kMaxXattrValueSize + 1, 'v'));
       },
       E2BIG},
      {"setxattr max value",
       [](E e) {
         return e.fs.SetXattr(kRoot, e("/f2"), "user.a", std::string(kMaxXattrValueSize, 'v'));
       },
       0},
      {"setxattr unknown namespace",
       [](E e) { return e.fs.SetXattr(kRoot, e("/f2"), "foo.a", "v"); }, EOPNOTSUPP},
      {"setxattr user on symlink", [](E e) { return e.fs.SetXattr(kRoot, e("/l"), "user.a", "v"); },
       EPERM},
      {"setxattr trusted as non-root",
       [](E e) { return e.fs.SetXattr(kAlice, e("/alice/a1"), "trusted.a", "v"); }, EPERM},
      {"setxattr without write",
       [](E e) { return e.fs.SetXattr(kAlice, e("/rofile"), "user.a", "v"); }, EACCES},
      {"getxattr without read", [](E e) { return St(e.fs.GetXattr(kAlice, e("/wo"), "user.a")); },
       EACCES},
      {"removexattr missing", [](E e) { return e.fs.RemoveXattr(kRoot, e("/f2"), "user.a"); },
       ENODATA},
  };
}

template <typename Factory>
class PosixAttrTest : public VfsTest<Factory> {};
TYPED_TEST_SUITE(PosixAttrTest, KvFactories, kv::testing::FactoryNames);

TYPED_TEST(PosixAttrTest, EveryCaseGivesItsErrno) {
  RunCases(*this->kv_, *this->chunks_, AttrCases());
}

}  // namespace
}  // namespace nasd::vfs::testing
