// The typed vfs test fixture: a fresh share on a fresh KV engine (in-memory
// with in-memory chunks, or RocksDB with chunks on local disk), a deterministic clock, and path
// helpers for setting up trees.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "chunk/chunk_store.h"
#include "chunk/local/local_backend.h"
#include "chunk/mem/mem_backend.h"
#include "kv/engine_factories.h"
#include "meta/share_store.h"
#include "vfs/filesystem.h"

namespace nasd::vfs::testing {

// The smallest block size, so that multi-block files stay small in tests.
inline constexpr uint64_t kTestBlockSize = 128 << 10;

using KvFactories = ::testing::Types<kv::testing::MemFactory, kv::testing::RocksDbFactory>;

inline int ErrnoOf(const Status& st) { return st.ok() ? 0 : ToErrno(st.code()); }

// The inode at an absolute path as root sees it ("/" is the root); 0 if it
// cannot be resolved.
inline uint64_t ResolvePath(Filesystem& fs, std::string_view path) {
  uint64_t cur = fs.root();
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (part.empty()) continue;
    auto attr = fs.Lookup(Caller::Root(), cur, part);
    if (!attr.ok()) return 0;
    cur = attr->ino;
  }
  return cur;
}

inline std::pair<std::string, std::string> SplitPath(std::string_view path) {
  size_t slash = path.rfind('/');
  return {std::string(path.substr(0, slash)), std::string(path.substr(slash + 1))};
}

inline uint64_t MakeDir(Filesystem& fs, std::string_view path, uint32_t mode = 0755) {
  auto [dir, name] = SplitPath(path);
  auto attr = fs.Mkdir(Caller::Root(), ResolvePath(fs, dir), name, mode);
  EXPECT_TRUE(attr.ok()) << path << ": " << attr.status().ToString();
  return attr.ok() ? attr->ino : 0;
}

inline uint64_t MakeFile(Filesystem& fs, std::string_view path, std::string_view data = "",
                         uint32_t mode = 0644) {
  auto [dir, name] = SplitPath(path);
  auto made = fs.Create(Caller::Root(), ResolvePath(fs, dir), name, mode, true);
  EXPECT_TRUE(made.ok()) << path << ": " << made.status().ToString();
  if (!made.ok()) return 0;
  if (!data.empty()) {
    EXPECT_TRUE(fs.Write(Caller::Root(), made->attr.ino, 0, data).ok());
    EXPECT_TRUE(fs.Fsync(made->attr.ino).ok());
  }
  return made->attr.ino;
}

// Sets owner and group of path (as root).
inline void Chown(Filesystem& fs, std::string_view path, uint32_t uid, uint32_t gid) {
  SetAttrRequest req;
  req.uid = uid;
  req.gid = gid;
  auto r = fs.SetAttr(Caller::Root(), ResolvePath(fs, path), req);
  EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
}

template <typename Factory>
class VfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = factory_.Open();
    ASSERT_NE(kv_, nullptr);
    // Every suite runs twice: in-memory KV with in-memory chunks, and
    // RocksDB with chunks on the local disk (the production pair). A
    // factory with ChunkBackend() brings its own chunks (S3: s3_chunks.h).
    std::unique_ptr<chunk::Backend> backend = chunk::NewMemBackend();
    if constexpr (requires { factory_.ChunkBackend(); }) {
      backend = factory_.ChunkBackend();
      ASSERT_NE(backend, nullptr);
    } else if constexpr (!std::is_same_v<Factory, kv::testing::MemFactory>) {
      auto local = chunk::OpenLocalBackend(chunk_dir_.Sub("chunks"));
      ASSERT_TRUE(local.ok()) << local.status().ToString();
      backend = std::move(local).value();
    }
    chunks_ = std::make_unique<chunk::ChunkStore>(std::move(backend),
                                                  chunk::ChunkStoreOptions{.hash_threads = 0});
    meta::ShareStore shares(*kv_);
    ASSERT_TRUE(shares.Create("docs").ok());
    FilesystemOptions options;
    options.clock = [this] { return clock_.fetch_add(1000) + 1000; };
    options.block_size = kTestBlockSize;
    auto fs = Filesystem::Open(*kv_, *chunks_, "docs", options);
    ASSERT_TRUE(fs.ok()) << fs.status().ToString();
    fs_ = std::move(fs).value();
    root_ = fs_->root();
  }

  uint64_t Ino(std::string_view path) { return ResolvePath(*fs_, path); }
  uint64_t MkdirP(std::string_view path, uint32_t mode = 0755) { return MakeDir(*fs_, path, mode); }
  uint64_t File(std::string_view path, std::string_view data = "", uint32_t mode = 0644) {
    return MakeFile(*fs_, path, data, mode);
  }
  Attr Stat(std::string_view path) {
    auto attr = fs_->GetAttr(Ino(path));
    EXPECT_TRUE(attr.ok()) << path << ": " << attr.status().ToString();
    return attr.ok() ? *attr : Attr{};
  }
  std::vector<std::string> Names(uint64_t dir) {
    std::vector<std::string> out;
    uint64_t cookie = 0;
    for (;;) {
      auto page = fs_->ReadDir(root, dir, cookie, 3);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return out;
      for (const DirEntry& e : page->entries) {
        if (e.name != "." && e.name != "..") out.push_back(e.name);
        cookie = e.cookie;
      }
      if (page->eof) break;
    }
    std::sort(out.begin(), out.end());  // ReadDir lists in cookie order
    return out;
  }

  const Caller root = Caller::Root();
  testutil::TempDir chunk_dir_;
  Factory factory_;
  std::unique_ptr<kv::KvEngine> kv_;
  std::unique_ptr<chunk::ChunkStore> chunks_;
  std::unique_ptr<Filesystem> fs_;
  uint64_t root_ = 0;
  std::atomic<int64_t> clock_{1'000'000'000};
};

}  // namespace nasd::vfs::testing
