// FuseMount's behaviour beyond the differential walk: node ids, large and
// absurd I/O, the xattr size probe, file handles (FUSE_CAP_EXPORT_SUPPORT),
// permissions of other uids, read-only mounts, and how mounts end.
#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>

#include <set>

#include "fuse/fuse_fixture.h"
#include "meta/snapshot_store.h"

namespace nasd::fuse::testing {
namespace {

std::string Pattern(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + (i * 7 + i / 4096) % 61);
  return s;
}

std::string ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return "<open " + std::to_string(errno) + ">";
  std::string out;
  std::vector<char> buf(1 << 20);
  for (ssize_t n; (n = ::read(fd, buf.data(), buf.size())) > 0;) out.append(buf.data(), static_cast<size_t>(n));
  ::close(fd);
  return out;
}

// Runs fn in a child process as uid/gid (and no supplementary groups);
// returns the child's exit code.
template <typename Fn>
int AsUser(uid_t uid, gid_t gid, Fn fn) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) ::_exit(100);
    ::_exit(fn());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 101;
}

TEST_F(FuseTest, RootIsTheSharesRootAndInodesAreVfsInodes) {
  Mount();
  struct stat st {};
  ASSERT_EQ(::stat(mnt_.c_str(), &st), 0);
  EXPECT_EQ(st.st_ino, fs_->root());
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  ASSERT_EQ(::mkdir(M("d").c_str(), 0750), 0);
  auto attr = fs_->Lookup(vfs::Caller::Root(), fs_->root(), "d");
  ASSERT_TRUE(attr.ok());
  ASSERT_EQ(::stat(M("d").c_str(), &st), 0);
  EXPECT_EQ(st.st_ino, attr->ino);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_TRUE(InProcMounts(mnt_));
}

TEST_F(FuseTest, LookupCountsDropAsTheKernelForgets) {
  Mount();
  ASSERT_EQ(::mkdir(M("many").c_str(), 0755), 0);
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(::close(::open(M("many/f" + std::to_string(i)).c_str(), O_CREAT | O_WRONLY, 0644)), 0);
  }
  size_t held = mount_->nodes_known();
  EXPECT_GE(held, 200u);
  // Evicting dentries and inodes sends FORGET / BATCH_FORGET for them.
  ::sync();
  { std::ofstream("/proc/sys/vm/drop_caches") << "2"; }
  for (int i = 0; i < 50 && mount_->nodes_known() > held / 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_LT(mount_->nodes_known(), held / 2);
}

TEST_F(FuseTest, MebibyteWritesAndReadsRoundTrip) {
  Mount();
  const std::string data = Pattern(9 << 20, 'A');
  int fd = ::open(M("big").c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0);
  for (size_t off = 0; off < data.size(); off += 1 << 20) {
    ASSERT_EQ(::pwrite(fd, data.data() + off, 1 << 20, static_cast<off_t>(off)), 1 << 20);
  }
  ASSERT_EQ(::close(fd), 0);  // flush commits
  std::string back_all = ReadFile(M("big"));
  EXPECT_EQ(back_all.size(), data.size());
  EXPECT_TRUE(back_all == data);
  auto attr = fs_->Lookup(vfs::Caller::Root(), fs_->root(), "big");
  ASSERT_TRUE(attr.ok());
  EXPECT_EQ(attr->size, data.size());
  auto back = fs_->Read(attr->ino, 5 << 20, 1000);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, data.substr(5 << 20, 1000));
}

// direct_io (the mount smbd serves): reads and writes of any size go
// straight to vfs; a MAP_SHARED mapping is refused, a private one works.
TEST_F(FuseTest, DirectIoMountsBypassThePageCache) {
  MountOptions o;
  o.direct_io = true;
  Mount(o);
  const std::string data = Pattern(3 << 20, 'D');
  int fd = ::open(M("d").c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
  std::string back(data.size() + 10, '\0');
  ASSERT_EQ(::pread(fd, back.data(), back.size(), 0), static_cast<ssize_t>(data.size()));
  back.resize(data.size());
  EXPECT_TRUE(back == data);
  ASSERT_EQ(::pread(fd, back.data(), 7, 5 << 20), 0);  // past the end

  errno = 0;
  void* shared = ::mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
  EXPECT_EQ(shared, MAP_FAILED) << "a direct_io file was mapped shared: the page cache is in use";
  EXPECT_EQ(errno, ENODEV);
  if (shared != MAP_FAILED) ::munmap(shared, 4096);
  void* priv = ::mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
  ASSERT_NE(priv, MAP_FAILED) << std::strerror(errno);
  EXPECT_EQ(std::string(static_cast<const char*>(priv), 4096), data.substr(4096, 4096));
  ::munmap(priv, 4096);
  ASSERT_EQ(::close(fd), 0);
  EXPECT_TRUE(ReadFile(M("d")) == data);
}

// Without direct_io (the default, `nasd mount`) files map shared as on any
// local file system.
TEST_F(FuseTest, PageCacheMountsMapShared) {
  Mount();
  int fd = ::open(M("m").c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, "mapped", 6, 0), 6);
  void* shared = ::mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_NE(shared, MAP_FAILED) << std::strerror(errno);
  EXPECT_EQ(std::string(static_cast<const char*>(shared), 6), "mapped");
  ::munmap(shared, 4096);
  ASSERT_EQ(::close(fd), 0);
}

TEST_F(FuseTest, AbsurdOffsetsAreRefusedNotAllocated) {
  Mount();
  int fd = ::open(M("f").c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  errno = 0;
  EXPECT_EQ(::pwrite(fd, "x", 1, off_t{1} << 60), -1);
  EXPECT_EQ(errno, EFBIG);
  errno = 0;
  EXPECT_EQ(::ftruncate(fd, off_t{1} << 60), -1);
  EXPECT_EQ(errno, EFBIG);
  char c;
  EXPECT_EQ(::pread(fd, &c, 1, off_t{1} << 60), 0);  // past the end: nothing
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 0);
  ::close(fd);
}

TEST_F(FuseTest, XattrSizeProbeAndList) {
  Mount();
  ASSERT_EQ(::close(::open(M("f").c_str(), O_CREAT | O_WRONLY, 0644)), 0);
  const std::string dos = std::string("\0\0\x04\0\x04\0", 6) + "dosattrib";
  ASSERT_EQ(::setxattr(M("f").c_str(), "user.DOSATTRIB", dos.data(), dos.size(), 0), 0);
  EXPECT_EQ(::getxattr(M("f").c_str(), "user.DOSATTRIB", nullptr, 0), static_cast<ssize_t>(dos.size()));
  char small[4];
  errno = 0;
  EXPECT_EQ(::getxattr(M("f").c_str(), "user.DOSATTRIB", small, sizeof small), -1);
  EXPECT_EQ(errno, ERANGE);
  std::string back(64, '\0');
  ASSERT_EQ(::getxattr(M("f").c_str(), "user.DOSATTRIB", back.data(), back.size()),
            static_cast<ssize_t>(dos.size()));
  EXPECT_EQ(back.substr(0, dos.size()), dos);
  ssize_t len = ::listxattr(M("f").c_str(), nullptr, 0);
  ASSERT_EQ(len, static_cast<ssize_t>(sizeof "user.DOSATTRIB"));
  std::string names(static_cast<size_t>(len), '\0');
  ASSERT_EQ(::listxattr(M("f").c_str(), names.data(), names.size()), len);
  EXPECT_EQ(names, std::string("user.DOSATTRIB", sizeof "user.DOSATTRIB"));
  errno = 0;
  EXPECT_EQ(::setxattr(M("f").c_str(), "user.DOSATTRIB", "x", 1, XATTR_CREATE), -1);
  EXPECT_EQ(errno, EEXIST);
  EXPECT_EQ(::removexattr(M("f").c_str(), "user.DOSATTRIB"), 0);
  errno = 0;
  EXPECT_EQ(::getxattr(M("f").c_str(), "user.DOSATTRIB", nullptr, 0), -1);
  EXPECT_EQ(errno, ENODATA);
}

TEST_F(FuseTest, FileHandlesResolveAfterTheKernelForgetsTheNode) {
  Mount();
  ASSERT_EQ(::mkdir(M("d").c_str(), 0755), 0);
  const std::string data = "handle me";
  int fd = ::open(M("d/f").c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ASSERT_EQ(::close(fd), 0);
  struct {
    file_handle fh;
    unsigned char bytes[128];
  } h{};
  h.fh.handle_bytes = sizeof h.bytes;
  int mount_id = 0;
  ASSERT_EQ(::name_to_handle_at(AT_FDCWD, M("d/f").c_str(), &h.fh, &mount_id, 0), 0)
      << std::strerror(errno);
  // Evict dentries and inodes: the kernel must ask for the node by id ("."
  // lookup) and its parent (".." lookup) to use the handle.
  ::sync();
  { std::ofstream("/proc/sys/vm/drop_caches") << "2"; }
  int root_fd = ::open(mnt_.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(root_fd, 0);
  int by_handle = ::open_by_handle_at(root_fd, &h.fh, O_RDONLY);
  ASSERT_GE(by_handle, 0) << std::strerror(errno);
  char buf[64];
  ssize_t n = ::read(by_handle, buf, sizeof buf);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(std::max<ssize_t>(n, 0))), data);
  ::close(by_handle);
  // A handle of a deleted file is stale, once nothing holds the file open:
  // the kernel sends the release of the descriptor closed above in the
  // background, so it may still be on its way (the file is then an open
  // orphan, reachable by handle until it arrives).
  ASSERT_EQ(::unlink(M("d/f").c_str()), 0);
  int stale_errno = 0;
  for (int i = 0; i < 100 && stale_errno != ESTALE; ++i) {
    { std::ofstream("/proc/sys/vm/drop_caches") << "2"; }
    errno = 0;
    int again = ::open_by_handle_at(root_fd, &h.fh, O_RDONLY);
    stale_errno = errno;
    if (again >= 0) {
      ::close(again);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  EXPECT_EQ(stale_errno, ESTALE) << std::strerror(stale_errno);
  ::close(root_fd);
}

// POSIX: a file unlinked (or renamed over) while open keeps its data for the
// open descriptors and is freed at the last close; tmpfile(3) works.
TEST_F(FuseTest, FilesRemovedWhileOpenStayUsableUntilClosed) {
  Mount();
  const std::string data(300 << 10, 'd');  // past the inline limit: chunks
  int fd = ::open(M("f").c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ASSERT_EQ(::unlink(M("f").c_str()), 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_nlink, 0u);
  ASSERT_EQ(::pwrite(fd, "tail", 4, static_cast<off_t>(data.size())), 4);
  ASSERT_EQ(::fsync(fd), 0) << std::strerror(errno);
  std::string back(data.size() + 4, '\0');
  ASSERT_EQ(::pread(fd, back.data(), back.size(), 0), static_cast<ssize_t>(back.size()))
      << std::strerror(errno);
  EXPECT_TRUE(back == data + "tail");
  const uint64_t ino = st.st_ino;
  ASSERT_EQ(::close(fd), 0);
  // The release arrives asynchronously after close(2).
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = fs_->GetAttr(ino).status().code() == Code::kStale;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone) << "the last close should free the removed file";

  // Renamed over while open: the old content stays readable.
  for (const char* name : {"target", "new"}) {
    int w = ::open(M(name).c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    ASSERT_GE(w, 0);
    const std::string body = std::string(name) == "target" ? "old" : "new";
    ASSERT_EQ(::write(w, body.data(), body.size()), 3);
    ASSERT_EQ(::close(w), 0);
  }
  int old_fd = ::open(M("target").c_str(), O_RDONLY);
  ASSERT_GE(old_fd, 0);
  ASSERT_EQ(::rename(M("new").c_str(), M("target").c_str()), 0);
  char buf[8] = {};
  EXPECT_EQ(::pread(old_fd, buf, sizeof buf, 0), 3);
  EXPECT_EQ(std::string(buf, 3), "old");
  ::close(old_fd);

  // tmpfile(3) in the mount: O_TMPFILE is not supported by FUSE's low-level
  // API here, so glibc falls back to create + unlink + use.
  std::string tmpl = M("tmpXXXXXX");
  int tfd = ::mkstemp(tmpl.data());
  ASSERT_GE(tfd, 0);
  ASSERT_EQ(::unlink(tmpl.c_str()), 0);
  ASSERT_EQ(::write(tfd, "scratch", 7), 7);
  char sbuf[8] = {};
  EXPECT_EQ(::pread(tfd, sbuf, 7, 0), 7);
  EXPECT_EQ(std::string(sbuf, 7), "scratch");
  ::close(tfd);
}

// Names changed beside the mount (WebDAV, NFS: straight through the vfs
// here) are seen at once, not after the kernel's 1 s entry cache expires.
TEST_F(FuseTest, ChangesMadeBesideTheMountAreSeenAtOnce) {
  Mount();
  auto read_all = [this](const std::string& rel) {
    std::ifstream in(M(rel));
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  auto put = [this](std::string_view name, std::string_view body) {
    auto tmp = fs_->CreateTemp(vfs::Caller::Root(), fs_->GetAttr(fs_->root()).value(), 0644);
    ASSERT_TRUE(tmp.ok());
    ASSERT_TRUE(fs_->Write(vfs::Caller::Root(), tmp->ino, 0, body).ok());
    ASSERT_TRUE(fs_->PublishTemp(vfs::Caller::Root(), tmp->ino, fs_->root(), name).ok());
  };
  struct stat st {};
  // A negative dentry: the kernel learns "no such file".
  ASSERT_EQ(::stat(M("f").c_str(), &st), -1);
  put("f", "first");
  EXPECT_EQ(read_all("f"), "first") << "a file created beside the mount was hidden by a cached miss";
  // Replaced beside the mount (a WebDAV PUT makes a new inode).
  put("f", "second");
  EXPECT_EQ(read_all("f"), "second") << "the kernel kept the replaced file's dentry";
  ASSERT_TRUE(fs_->Unlink(vfs::Caller::Root(), fs_->root(), "f").ok());
  errno = 0;
  EXPECT_EQ(::stat(M("f").c_str(), &st), -1);
  EXPECT_EQ(errno, ENOENT);
  // The mount's own changes keep working (and need no notification).
  ASSERT_EQ(::mkdir(M("d").c_str(), 0755), 0);
  ASSERT_EQ(::rmdir(M("d").c_str()), 0);
}

// Bytes and attributes changed beside the mount (an NFS WRITE or SETATTR)
// show at once, not after the kernel's 1 s attribute cache expires.
TEST_F(FuseTest, WritesBesideTheMountShowAtOnce) {
  Mount();
  const vfs::Caller root = vfs::Caller::Root();
  int fd = ::open(M("g").c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "12345", 5), 5);
  ASSERT_EQ(::close(fd), 0);
  struct stat st {};
  ASSERT_EQ(::stat(M("g").c_str(), &st), 0);  // the kernel now caches size 5
  ASSERT_EQ(st.st_size, 5);
  auto g = fs_->Lookup(root, fs_->root(), "g");
  ASSERT_TRUE(g.ok());

  ASSERT_TRUE(fs_->Write(root, g->ino, 5, "6789").ok());
  ASSERT_EQ(::stat(M("g").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 9) << "the kernel kept the size from before a write beside the mount";
  EXPECT_EQ(ReadFile(M("g")), "123456789");

  // Read through an open descriptor, so the kernel holds the pages; then
  // overwritten beside the mount: the next read sees the new bytes.
  fd = ::open(M("g").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  char buf[16] = {};
  ASSERT_EQ(::pread(fd, buf, sizeof buf, 0), 9);
  ASSERT_TRUE(fs_->Write(root, g->ino, 0, "abc").ok());
  ASSERT_EQ(::pread(fd, buf, sizeof buf, 0), 9);
  EXPECT_EQ(std::string(buf, 9), "abc456789") << "the kernel served pages from before a write beside the mount";
  ::close(fd);

  vfs::SetAttrRequest shrink;
  shrink.size = 2;
  shrink.mode = 0600;
  ASSERT_TRUE(fs_->SetAttr(root, g->ino, shrink).ok());
  ASSERT_EQ(::stat(M("g").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 2) << "a truncate beside the mount was not seen";
  EXPECT_EQ(st.st_mode & 07777, 0600u) << "a chmod beside the mount was not seen";
  EXPECT_EQ(ReadFile(M("g")), "ab");
}

// Closing a descriptor that cannot write costs no FLUSH (and so no commit):
// writes buffered through another descriptor stay buffered until that one
// closes.
TEST_F(FuseTest, ReadOnlyClosesCommitNothing) {
  Mount();
  int w = ::open(M("f").c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(w, 0);
  ASSERT_EQ(::write(w, "buffered", 8), 8);
  const uint64_t commits = kv_->Stats().commits;
  int r = ::open(M("f").c_str(), O_RDONLY);  // (a read would commit: vfs reads flush first)
  ASSERT_GE(r, 0);
  ASSERT_EQ(::close(r), 0);
  EXPECT_EQ(kv_->Stats().commits, commits) << "closing a read-only descriptor committed";
  ASSERT_EQ(::close(w), 0);
  EXPECT_GT(kv_->Stats().commits, commits) << "closing the writer must commit";
}

TEST_F(FuseTest, OtherUidsAreCheckedByVfsWithAllowOther) {
  Mount({.allow_other = true});
  ASSERT_EQ(::chmod(dir_.str().c_str(), 0755), 0);  // mkdtemp's 0700 would stop uid 1000 first
  ASSERT_EQ(::mkdir(M("private").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(M("open").c_str(), 0777), 0);
  ASSERT_EQ(::chmod(M("open").c_str(), 0777), 0);  // past the umask
  int code = AsUser(1000, 1000, [&] {
    if (::open(M("private/x").c_str(), O_CREAT | O_WRONLY, 0644) >= 0) return 1;
    if (errno != EACCES) return 2;
    int fd = ::open(M("open/mine").c_str(), O_CREAT | O_WRONLY, 0600);
    if (fd < 0) return 3;
    if (::write(fd, "hi", 2) != 2 || ::close(fd) != 0) return 4;
    return 0;
  });
  EXPECT_EQ(code, 0);
  struct stat st {};
  ASSERT_EQ(::stat(M("open/mine").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1000u);
  // Supplementary groups count: group 2000 may write a 0770 directory of group 2000.
  ASSERT_EQ(::mkdir(M("team").c_str(), 0770), 0);
  ASSERT_EQ(::chown(M("team").c_str(), 0, 2000), 0);
  ASSERT_EQ(::chmod(M("team").c_str(), 0770), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    gid_t groups[] = {2000};
    if (::setgroups(1, groups) != 0 || ::setgid(1000) != 0 || ::setuid(1000) != 0) ::_exit(100);
    ::_exit(::mkdir(M("team/sub").c_str(), 0755) == 0 ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(FuseTest, WritesThroughAnOpenDescriptorOutliveAChmod) {
  Mount({.allow_other = true});
  ASSERT_EQ(::chmod(dir_.str().c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(M("open").c_str(), 0777), 0);
  ASSERT_EQ(::chmod(M("open").c_str(), 0777), 0);
  int code = AsUser(1000, 1000, [&] {
    // Created read-only, as cp and tar do: the creating descriptor still writes.
    int fd = ::open(M("open/ro").c_str(), O_CREAT | O_WRONLY, 0444);
    if (fd < 0) return 1;
    if (::write(fd, "0123456789", 10) != 10) return 2;
    if (::ftruncate(fd, 4) != 0) return 3;
    if (::close(fd) != 0) return 4;
    if (::open(M("open/ro").c_str(), O_WRONLY) >= 0 || errno != EACCES) return 5;
    if (::truncate(M("open/ro").c_str(), 2) == 0 || errno != EACCES) return 6;
    return 0;
  });
  EXPECT_EQ(code, 0);
  struct stat st {};
  ASSERT_EQ(::stat(M("open/ro").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 4);
}

// Names in a directory through readdir(3), without "." and "..".
std::set<std::string> ListDir(const std::string& path) {
  std::set<std::string> names;
  DIR* d = ::opendir(path.c_str());
  for (dirent* e; d != nullptr && (e = ::readdir(d)) != nullptr;) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.insert(n);
  }
  if (d != nullptr) ::closedir(d);
  return names;
}

// Long names, so that a listing takes several replies even of the 1 MiB the
// kernel asks for (each continues from a cookie).
std::string LongName(int i) {
  std::string n = "entry-" + std::to_string(i) + "-";
  return n + std::string(240 - n.size(), 'x');
}

TEST_F(FuseTest, ReadaheadIsRaisedToTheLargestRead) {
  Mount();
  struct stat st {};
  ASSERT_EQ(::stat(mnt_.c_str(), &st), 0);
  std::ifstream in(ReadaheadPath(st.st_dev));
  size_t kb = 0;
  ASSERT_TRUE(in >> kb) << ReadaheadPath(st.st_dev);
  EXPECT_EQ(kb, 1024u) << "the kernel's 128 KiB default was left (want 1 MiB, the largest read)";
}

TEST_F(FuseTest, LargeDirectoriesListEveryNameOnce) {
  constexpr int kFiles = 5000;
  Mount();
  ASSERT_EQ(::mkdir(M("big").c_str(), 0755), 0);
  std::set<std::string> want;
  for (int i = 0; i < kFiles; ++i) {
    ASSERT_EQ(::close(::open(M("big/" + LongName(i)).c_str(), O_CREAT | O_WRONLY, 0644)), 0) << i;
    want.insert(LongName(i));
  }
  std::set<std::string> got = ListDir(M("big"));
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want);
  // Again with the kernel's caches gone, and
  // while names disappear during the listing: each name that stays is listed once.
  { std::ofstream("/proc/sys/vm/drop_caches") << "2"; }
  DIR* d = ::opendir(M("big").c_str());
  ASSERT_NE(d, nullptr);
  std::multiset<std::string> seen;
  int n = 0;
  for (dirent* e; (e = ::readdir(d)) != nullptr; ++n) {
    seen.insert(e->d_name);
    if (n == 100) {
      for (int i = 0; i < kFiles; i += 3) ASSERT_EQ(::unlink(M("big/" + LongName(i)).c_str()), 0);
    }
  }
  ::closedir(d);
  int missing = 0, repeated = 0;
  for (int i = 0; i < kFiles; ++i) {
    size_t c = seen.count(LongName(i));
    if (i % 3 != 0 && c == 0) ++missing;
    if (c > 1) ++repeated;
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(repeated, 0);
}

TEST_F(FuseTest, SnapshotsAreReadOnlyFoldersWithTheirOwnInodes) {
  Mount();
  ASSERT_EQ(::mkdir(M("d").c_str(), 0755), 0);
  int fd = ::open(M("d/f").c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_EQ(::write(fd, "old", 3), 3);
  ASSERT_EQ(::close(fd), 0);
  meta::SnapshotStore snapshots(*kv_, fs_->share_id());
  ASSERT_TRUE(snapshots.Create("s1").ok());
  fd = ::open(M("d/f").c_str(), O_WRONLY | O_TRUNC);
  ASSERT_EQ(::write(fd, "new!", 4), 4);
  ASSERT_EQ(::close(fd), 0);
  EXPECT_EQ(ReadFile(M(".snapshots/s1/d/f")), "old");
  EXPECT_EQ(ReadFile(M("d/f")), "new!");
  struct stat live {}, snap {};
  ASSERT_EQ(::stat(M("d/f").c_str(), &live), 0);
  ASSERT_EQ(::stat(M(".snapshots/s1/d/f").c_str(), &snap), 0);
  EXPECT_NE(live.st_ino, snap.st_ino);
  EXPECT_EQ(ListDir(M(".snapshots/s1/d")), (std::set<std::string>{"f"}));
  errno = 0;
  EXPECT_EQ(::open(M(".snapshots/s1/d/f").c_str(), O_WRONLY), -1);
  EXPECT_EQ(errno, EROFS);
  errno = 0;
  EXPECT_EQ(::unlink(M(".snapshots/s1/d/f").c_str()), -1);
  EXPECT_EQ(errno, EROFS);
}

TEST_F(FuseTest, ReadOnlyMountRefusesChanges) {
  Mount({.read_only = true});
  errno = 0;
  EXPECT_EQ(::mkdir(M("d").c_str(), 0755), -1);
  EXPECT_EQ(errno, EROFS);
  errno = 0;
  EXPECT_EQ(::open(M("f").c_str(), O_CREAT | O_WRONLY, 0644), -1);
  EXPECT_EQ(errno, EROFS);
  struct stat st {};
  EXPECT_EQ(::stat(mnt_.c_str(), &st), 0);
}

TEST_F(FuseTest, RenameExchangeIsInvalidAndNoReplaceWorks) {
  Mount();
  ASSERT_EQ(::close(::open(M("a").c_str(), O_CREAT | O_WRONLY, 0644)), 0);
  ASSERT_EQ(::close(::open(M("b").c_str(), O_CREAT | O_WRONLY, 0644)), 0);
  errno = 0;
  EXPECT_EQ(::renameat2(AT_FDCWD, M("a").c_str(), AT_FDCWD, M("b").c_str(), RENAME_EXCHANGE), -1);
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_EQ(::renameat2(AT_FDCWD, M("a").c_str(), AT_FDCWD, M("b").c_str(), RENAME_NOREPLACE), -1);
  EXPECT_EQ(errno, EEXIST);
  EXPECT_EQ(::renameat2(AT_FDCWD, M("a").c_str(), AT_FDCWD, M("c").c_str(), RENAME_NOREPLACE), 0);
}

TEST_F(FuseTest, ParallelWritersOnManyThreads) {
  Mount({.threads = 4});
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([this, t] {
      std::string data = Pattern(3 << 20, static_cast<char>('a' + t));
      int fd = ::open(M("p" + std::to_string(t)).c_str(), O_CREAT | O_WRONLY, 0644);
      if (fd < 0) return;
      for (size_t off = 0; off < data.size(); off += 256 << 10) {
        if (::pwrite(fd, data.data() + off, 256 << 10, static_cast<off_t>(off)) != 256 << 10) break;
      }
      ::close(fd);
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < 6; ++t) {
    std::string got = ReadFile(M("p" + std::to_string(t)));
    EXPECT_EQ(got.size(), size_t{3} << 20) << t;
    EXPECT_TRUE(got == Pattern(3 << 20, static_cast<char>('a' + t))) << t;
  }
}

TEST_F(FuseTest, UnmountFromOutsideEndsWaitAndCommits) {
  Mount();
  int fd = ::open(M("f").c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_EQ(::write(fd, "buffered", 8), 8);
  // No close yet: the bytes sit in vfs's write-back buffer. Closing commits
  // them; then an outside unmount ends the mount.
  ASSERT_EQ(::close(fd), 0);
  ASSERT_EQ(::umount2(mnt_.c_str(), 0), 0) << std::strerror(errno);
  mount_->Wait();
  EXPECT_FALSE(mount_->mounted());
  EXPECT_FALSE(InProcMounts(mnt_));
  auto attr = fs_->Lookup(vfs::Caller::Root(), fs_->root(), "f");
  ASSERT_TRUE(attr.ok());
  EXPECT_EQ(attr->size, 8u);
  mount_->Stop();  // idempotent after an outside unmount
}

TEST_F(FuseTest, StopEndsABusyMount) {
  Mount();
  int fd = ::open(M("held").c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "x", 1), 1);
  auto start = std::chrono::steady_clock::now();
  mount_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_FALSE(mount_->mounted());
  EXPECT_FALSE(InProcMounts(mnt_));
  // The open descriptor is dead, not hanging.
  errno = 0;
  EXPECT_EQ(::write(fd, "y", 1), -1);
  EXPECT_EQ(errno, ENOTCONN);
  ::close(fd);
  mount_->Stop();
}

TEST_F(FuseTest, StartRefusesABadMountpoint) {
  MountOptions o;
  o.mountpoint = "relative/path";
  auto m = FuseMount::Start(fs_, o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("absolute"), std::string::npos);
  ASSERT_EQ(::close(::open(M("occupant").c_str(), O_CREAT | O_WRONLY, 0644)), 0);
  o.mountpoint = mnt_;
  m = FuseMount::Start(fs_, o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("not empty"), std::string::npos);
}

}  // namespace
}  // namespace nasd::fuse::testing
