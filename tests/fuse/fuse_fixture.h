// A vfs share over RocksDB and a local chunk store in a temp dir, mounted
// through FuseMount (as root: /dev/fuse is root-only; without root the test
// fails, it does not skip).
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>

#include "chunk/chunk_store.h"
#include "chunk/local/local_backend.h"
#include "fuse/fuse_mount.h"
#include "kv/rocksdb/rocksdb_engine.h"
#include "meta/share_store.h"
#include "testutil/temp_dir.h"
#include "vfs/filesystem.h"

namespace nasd::fuse::testing {

// The smallest block size, so that multi-block files stay small.
inline constexpr uint64_t kTestBlockSize = 128 << 10;

inline bool InProcMounts(const std::string& mountpoint) {
  std::ifstream in("/proc/mounts");
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(" " + mountpoint + " ") != std::string::npos) return true;
  }
  return false;
}

class FuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "the FUSE tests mount file systems and need root (/dev/fuse)";
    auto kv = kv::OpenRocksDb(dir_.Sub("db"));
    ASSERT_TRUE(kv.ok()) << kv.status().ToString();
    kv_ = std::move(kv).value();
    auto local = chunk::OpenLocalBackend(dir_.Sub("chunks"));
    ASSERT_TRUE(local.ok()) << local.status().ToString();
    chunks_ = std::make_unique<chunk::ChunkStore>(std::move(local).value(),
                                                  chunk::ChunkStoreOptions{.hash_threads = 0});
    meta::ShareStore shares(*kv_);
    ASSERT_TRUE(shares.Create("docs").ok());
    vfs::FilesystemOptions options;
    options.block_size = kTestBlockSize;
    auto fs = vfs::Filesystem::Open(*kv_, *chunks_, "docs", options);
    ASSERT_TRUE(fs.ok()) << fs.status().ToString();
    fs_ = std::move(fs).value();
    mnt_ = dir_.Sub("mnt");
    ASSERT_EQ(::mkdir(mnt_.c_str(), 0755), 0);
  }

  void TearDown() override {
    if (mount_) mount_->Stop();
    mount_.reset();
    fs_.reset();
    chunks_.reset();
    kv_.reset();
  }

  void Mount(MountOptions o = {}) {
    o.mountpoint = mnt_;
    o.fsname = "nasd:docs";
    auto m = FuseMount::Start(fs_, o);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    mount_ = std::move(m).value();
  }

  std::string M(const std::string& rel) const { return mnt_ + "/" + rel; }

  testutil::TempDir dir_;
  std::unique_ptr<kv::KvEngine> kv_;
  std::unique_ptr<chunk::ChunkStore> chunks_;
  std::shared_ptr<vfs::Filesystem> fs_;
  std::string mnt_;
  std::unique_ptr<FuseMount> mount_;
};

}  // namespace nasd::fuse::testing
