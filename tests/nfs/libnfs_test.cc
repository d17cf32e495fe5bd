// NFSv3 end to end through libnfs (the client library nfs-ls/nfs-cp use):
// every procedure libnfs issues, with their error paths.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "nfs/nfs_fixture.h"

namespace nasd::nfs {
namespace {

using testing::NfsContext;

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

int WriteFile(nfs_context* nfs, const char* path, const std::string& data, int mode = 0644) {
  nfsfh* fh = nullptr;
  int rc = nfs_creat(nfs, path, mode, &fh);
  if (rc != 0) return rc;
  size_t off = 0;
  while (off < data.size()) {
    size_t n = std::min<size_t>(data.size() - off, 1 << 20);
    int w = nfs_pwrite(nfs, fh, off, n, data.data() + off);
    if (w <= 0) {
      nfs_close(nfs, fh);
      return w < 0 ? w : -EIO;
    }
    off += static_cast<size_t>(w);
  }
  rc = nfs_fsync(nfs, fh);
  nfs_close(nfs, fh);
  return rc;
}

Result<std::string> ReadFile(nfs_context* nfs, const char* path) {
  nfsfh* fh = nullptr;
  int rc = nfs_open(nfs, path, O_RDONLY, &fh);
  if (rc != 0) return Status(Code::kIoError, nfs_get_error(nfs));
  std::string out;
  std::string buf(1 << 20, '\0');
  for (;;) {
    int n = nfs_pread(nfs, fh, out.size(), buf.size(), buf.data());
    if (n < 0) {
      nfs_close(nfs, fh);
      return Status(Code::kIoError, nfs_get_error(nfs));
    }
    if (n == 0) break;
    out.append(buf.data(), static_cast<size_t>(n));
  }
  nfs_close(nfs, fh);
  return out;
}

std::map<std::string, uint64_t> List(nfs_context* nfs, const char* path) {
  std::map<std::string, uint64_t> out;
  nfsdir* dir = nullptr;
  if (nfs_opendir(nfs, path, &dir) != 0) return out;
  while (nfsdirent* e = nfs_readdir(nfs, dir)) {
    EXPECT_TRUE(out.emplace(e->name, e->inode).second) << "listed twice: " << e->name;
  }
  nfs_closedir(nfs, dir);
  return out;
}

class LibnfsTest : public testing::NfsFixture {};

TEST_F(LibnfsTest, MultiBlockFileRoundTripsByteIdentical) {
  NfsContext nfs = Mount("s");
  ASSERT_TRUE(nfs);
  std::string data = RandomBytes(3 * (128 << 10) + 12345, 1);
  ASSERT_EQ(WriteFile(nfs.get(), "/big.bin", data), 0) << nfs_get_error(nfs.get());
  nfs_stat_64 st{};
  ASSERT_EQ(nfs_stat64(nfs.get(), "/big.bin", &st), 0);
  EXPECT_EQ(st.nfs_size, data.size());
  EXPECT_TRUE(S_ISREG(st.nfs_mode));
  auto back = ReadFile(nfs.get(), "/big.bin");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(*back == data) << "content differs";
  // The vfs sees the same bytes (what WebDAV serves).
  auto fs = Fs("s");
  auto attr = fs->Lookup(vfs::Caller::Root(), fs->root(), "big.bin");
  ASSERT_TRUE(attr.ok());
  EXPECT_EQ(*fs->Read(attr->ino, 0, data.size()), data);
  // Truncate through SETATTR.
  ASSERT_EQ(nfs_truncate(nfs.get(), "/big.bin", 10), 0);
  EXPECT_EQ(*ReadFile(nfs.get(), "/big.bin"), data.substr(0, 10));
}

TEST_F(LibnfsTest, DirectoriesListEveryEntryOnceAcrossPages) {
  NfsContext nfs = Mount("s");
  ASSERT_TRUE(nfs);
  ASSERT_EQ(nfs_mkdir2(nfs.get(), "/d", 0755), 0);
  EXPECT_EQ(nfs_mkdir2(nfs.get(), "/d", 0755), -EEXIST);
  std::set<std::string> want = {".", ".."};
  for (int i = 0; i < 400; ++i) {
    std::string name = "file-with-a-longish-name-" + std::to_string(i);
    ASSERT_EQ(WriteFile(nfs.get(), ("/d/" + name).c_str(), "x"), 0);
    want.insert(name);
  }
  auto listed = List(nfs.get(), "/d");
  std::set<std::string> names;
  for (auto& [n, ino] : listed) names.insert(n);
  EXPECT_EQ(names, want);
  EXPECT_EQ(nfs_rmdir(nfs.get(), "/d"), -ENOTEMPTY);
  ASSERT_EQ(nfs_mkdir2(nfs.get(), "/d/empty", 0755), 0);
  EXPECT_EQ(nfs_rmdir(nfs.get(), "/d/empty"), 0);
  nfs_stat_64 st{};
  EXPECT_EQ(nfs_stat64(nfs.get(), "/d/empty", &st), -ENOENT);
  EXPECT_EQ(nfs_stat64(nfs.get(), "/missing/x", &st), -ENOENT);
  EXPECT_EQ(nfs_rmdir(nfs.get(), "/d/file-with-a-longish-name-1"), -ENOTDIR);
}

TEST_F(LibnfsTest, RenameLinkSymlinkReadlinkUnlink) {
  NfsContext nfs = Mount("s");
  ASSERT_TRUE(nfs);
  ASSERT_EQ(WriteFile(nfs.get(), "/a", "hello"), 0);
  ASSERT_EQ(nfs_rename(nfs.get(), "/a", "/b"), 0);
  nfs_stat_64 st{};
  EXPECT_EQ(nfs_stat64(nfs.get(), "/a", &st), -ENOENT);
  ASSERT_EQ(nfs_link(nfs.get(), "/b", "/c"), 0);
  ASSERT_EQ(nfs_stat64(nfs.get(), "/b", &st), 0);
  EXPECT_EQ(st.nfs_nlink, 2u);
  EXPECT_EQ(nfs_link(nfs.get(), "/b", "/c"), -EEXIST);
  ASSERT_EQ(nfs_symlink(nfs.get(), "target/of/link", "/l"), 0);
  char buf[256] = {};
  ASSERT_EQ(nfs_readlink(nfs.get(), "/l", buf, sizeof buf), 0);
  EXPECT_STREQ(buf, "target/of/link");
  ASSERT_EQ(nfs_lstat64(nfs.get(), "/l", &st), 0);
  EXPECT_TRUE(S_ISLNK(st.nfs_mode));
  ASSERT_EQ(nfs_unlink(nfs.get(), "/b"), 0);
  EXPECT_EQ(*ReadFile(nfs.get(), "/c"), "hello");
  EXPECT_EQ(nfs_unlink(nfs.get(), "/b"), -ENOENT);
  ASSERT_EQ(nfs_mkdir2(nfs.get(), "/dir", 0755), 0);
  EXPECT_EQ(nfs_unlink(nfs.get(), "/dir"), -EISDIR);
}

TEST_F(LibnfsTest, SetattrAccessAndStatvfs) {
  NfsContext nfs = Mount("s");
  ASSERT_TRUE(nfs);
  ASSERT_EQ(WriteFile(nfs.get(), "/f", "data"), 0);
  ASSERT_EQ(nfs_chmod(nfs.get(), "/f", 0600), 0);
  ASSERT_EQ(nfs_chown(nfs.get(), "/f", 1000, 1000), 0);
  timeval times[2] = {{1000, 0}, {2000, 0}};
  ASSERT_EQ(nfs_utimes(nfs.get(), "/f", times), 0);
  nfs_stat_64 st{};
  ASSERT_EQ(nfs_stat64(nfs.get(), "/f", &st), 0);
  EXPECT_EQ(st.nfs_mode & 07777, 0600u);
  EXPECT_EQ(st.nfs_uid, 1000u);
  EXPECT_EQ(st.nfs_atime, 1000u);
  EXPECT_EQ(st.nfs_mtime, 2000u);
  EXPECT_EQ(nfs_access(nfs.get(), "/f", R_OK | W_OK), 0);
  // Another user may neither read nor write a 0600 file.
  NfsContext other = Mount("s", 2000, 2000);
  ASSERT_TRUE(other);
  EXPECT_EQ(nfs_access(other.get(), "/f", R_OK), -EACCES);
  EXPECT_FALSE(ReadFile(other.get(), "/f").ok());
  struct statvfs sv {};
  ASSERT_EQ(nfs_statvfs(nfs.get(), "/", &sv), 0);
  EXPECT_GT(sv.f_files, 0u);
  EXPECT_EQ(nfs_get_readmax(nfs.get()), 1u << 20);
  EXPECT_EQ(nfs_get_writemax(nfs.get()), 1u << 20);
}

TEST_F(LibnfsTest, RootSquashMapsRootToAnonymous) {
  auto fs = Fs("sq");
  vfs::SetAttrRequest open_root;
  open_root.mode = 0777;
  ASSERT_TRUE(fs->SetAttr(vfs::Caller::Root(), fs->root(), open_root).ok());
  ASSERT_TRUE(fs->Mkdir(vfs::Caller::Root(), fs->root(), "rootonly", 0755).ok());
  NfsContext nfs = Mount("sq");
  ASSERT_TRUE(nfs);
  ASSERT_EQ(WriteFile(nfs.get(), "/mine", "x"), 0);
  nfs_stat_64 st{};
  ASSERT_EQ(nfs_stat64(nfs.get(), "/mine", &st), 0);
  EXPECT_EQ(st.nfs_uid, 65534u) << "root should have been squashed to anonuid";
  EXPECT_EQ(st.nfs_gid, 65534u);
  nfsfh* fh = nullptr;
  EXPECT_EQ(nfs_creat(nfs.get(), "/rootonly/x", 0644, &fh), -EACCES);
  EXPECT_EQ(nfs_chown(nfs.get(), "/mine", 0, 0), -EPERM);
}

TEST_F(LibnfsTest, ReadOnlyExportRefusesChangesWithRofs) {
  auto fs = Fs("ro");
  auto made = fs->Create(vfs::Caller::Root(), fs->root(), "kept", 0644, true);
  ASSERT_TRUE(made.ok());
  ASSERT_TRUE(fs->Write(vfs::Caller::Root(), made->attr.ino, 0, "readable").ok());
  NfsContext nfs = Mount("ro");
  ASSERT_TRUE(nfs);
  EXPECT_EQ(*ReadFile(nfs.get(), "/kept"), "readable");
  nfsfh* fh = nullptr;
  EXPECT_EQ(nfs_creat(nfs.get(), "/new", 0644, &fh), -EROFS);
  EXPECT_EQ(nfs_mkdir2(nfs.get(), "/dir", 0755), -EROFS);
  EXPECT_EQ(nfs_unlink(nfs.get(), "/kept"), -EROFS);
  EXPECT_EQ(nfs_chmod(nfs.get(), "/kept", 0600), -EROFS);
  EXPECT_EQ(nfs_access(nfs.get(), "/kept", W_OK), -EACCES);
}

TEST_F(LibnfsTest, MountIsRefusedOutsideTheExportsNetworksAndForUnknownShares) {
  std::string error;
  EXPECT_FALSE(Mount("far", 0, 0, &error));
  EXPECT_FALSE(Mount("nosuchshare", 0, 0, &error));
}

TEST_F(LibnfsTest, HandleOfADeletedFileIsStale) {
  NfsContext nfs = Mount("s");
  ASSERT_TRUE(nfs);
  ASSERT_EQ(WriteFile(nfs.get(), "/gone", "x"), 0);
  nfsfh* fh = nullptr;
  ASSERT_EQ(nfs_open(nfs.get(), "/gone", O_RDONLY, &fh), 0);
  ASSERT_EQ(nfs_unlink(nfs.get(), "/gone"), 0);
  nfs_stat_64 st{};
  EXPECT_EQ(nfs_fstat64(nfs.get(), fh, &st), -ESTALE);
  nfs_close(nfs.get(), fh);
}

TEST_F(LibnfsTest, MknodOfADeviceIsNotSupported) {
  NfsContext nfs = Mount("s");
  ASSERT_TRUE(nfs);
  int rc = nfs_mknod(nfs.get(), "/fifo", S_IFIFO | 0644, 0);
  EXPECT_NE(rc, 0);
}

TEST_F(LibnfsTest, ConcurrentClientsWriteTheirOwnFiles) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      NfsContext nfs = Mount("s");
      if (!nfs) {
        ++failures;
        return;
      }
      for (int i = 0; i < 10; ++i) {
        std::string path = "/c" + std::to_string(t) + "-" + std::to_string(i);
        std::string data = RandomBytes(70000 + i, t * 100 + i);
        if (WriteFile(nfs.get(), path.c_str(), data) != 0) ++failures;
        auto back = ReadFile(nfs.get(), path.c_str());
        if (!back.ok() || *back != data) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  NfsContext nfs = Mount("s");
  EXPECT_EQ(List(nfs.get(), "/").size(), 2u + 40u);
}

}  // namespace
}  // namespace nasd::nfs
