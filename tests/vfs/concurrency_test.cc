// Concurrent operations on one directory under optimistic transactions: no
// lost or duplicated entries, link counts that match the entries.
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {
namespace {

constexpr int kThreads = 8;

template <typename Factory>
class ConcurrencyTest : public VfsTest<Factory> {
 protected:
  // name -> entry of every directory under dir (recursively).
  void Collect(uint64_t dir, std::map<uint64_t, int>& refs, std::map<uint64_t, int>& subdirs) {
    uint64_t cookie = 0;
    std::set<std::string> seen;
    for (;;) {
      auto page = this->fs_->ReadDir(this->root, dir, cookie, 5);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      for (const DirEntry& e : page->entries) {
        cookie = e.cookie;
        if (e.name == "." || e.name == "..") continue;
        EXPECT_TRUE(seen.insert(e.name).second) << "duplicate entry " << e.name;
        ++refs[e.ino];
        if (e.type == FileType::kDirectory) {
          ++subdirs[dir];
          Collect(e.ino, refs, subdirs);
        }
      }
      if (page->eof) break;
    }
  }
};
TYPED_TEST_SUITE(ConcurrencyTest, KvFactories, kv::testing::FactoryNames);

TYPED_TEST(ConcurrencyTest, ParallelCreatesInOneDirectoryAreAllKept) {
  uint64_t d = this->MkdirP("/d");
  constexpr int kPerThread = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
        Status made = this->fs_->Create(this->root, d, name, 0644, true).status();
        EXPECT_TRUE(made.ok()) << made.ToString();
        if (!made.ok()) failures.fetch_add(1);
        if (i % 4 == 0) {
          made = this->fs_->Mkdir(this->root, d, name + ".dir", 0755).status();
          EXPECT_TRUE(made.ok()) << made.ToString();
          if (!made.ok()) failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(this->Names(d).size(), static_cast<size_t>(kThreads * (kPerThread + kPerThread / 4)));
  EXPECT_EQ(this->Stat("/d").nlink, 2u + kThreads * kPerThread / 4);
}

TYPED_TEST(ConcurrencyTest, MixedOperationsKeepLinkCountsAndEntriesConsistent) {
  uint64_t dirs[2] = {this->MkdirP("/d"), this->MkdirP("/e")};
  std::mutex mu;
  std::set<uint64_t> created;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(1234 + t);
      auto pick = [&](int n) { return static_cast<int>(rng() % n); };
      auto name = [&] { return std::string(1, static_cast<char>('a' + pick(12))); };
      for (int i = 0; i < 150; ++i) {
        uint64_t p = dirs[pick(2)], q = dirs[pick(2)];
        Status st;
        switch (pick(6)) {
          case 0: {
            auto r = this->fs_->Create(this->root, p, name(), 0644, true);
            if (r.ok()) {
              std::lock_guard<std::mutex> lock(mu);
              created.insert(r->attr.ino);
            }
            st = r.status();
            break;
          }
          case 1: {
            auto r = this->fs_->Mkdir(this->root, p, name(), 0755);
            if (r.ok()) {
              std::lock_guard<std::mutex> lock(mu);
              created.insert(r->ino);
            }
            st = r.status();
            break;
          }
          case 2:
            st = this->fs_->Rename(this->root, p, name(), q, name());
            break;
          case 3:
            st = this->fs_->Unlink(this->root, p, name());
            break;
          case 4:
            st = this->fs_->Rmdir(this->root, p, name());
            break;
          case 5: {
            auto src = this->fs_->Lookup(this->root, p, name());
            st =
                src.ok() ? this->fs_->Link(this->root, src->ino, q, name()).status() : src.status();
            break;
          }
        }
        if (st.code() == Code::kConflict) conflicts.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(conflicts.load(), 0) << "operations that exhausted their retries";

  std::map<uint64_t, int> refs, subdirs;
  this->Collect(this->root_, refs, subdirs);
  for (uint64_t ino : created) {
    auto attr = this->fs_->GetAttr(ino);
    if (refs.count(ino) == 0) {
      EXPECT_EQ(attr.status().code(), Code::kStale) << "inode " << ino << " survived its last link";
      continue;
    }
    ASSERT_TRUE(attr.ok()) << "entry points at missing inode " << ino;
    if (attr->type == FileType::kDirectory) {
      EXPECT_EQ(refs[ino], 1);
      EXPECT_EQ(attr->nlink, 2u + subdirs[ino]) << "directory " << ino;
    } else {
      EXPECT_EQ(attr->nlink, static_cast<uint32_t>(refs[ino])) << "file " << ino;
    }
  }
  for (uint64_t d : dirs) {
    auto attr = this->fs_->GetAttr(d);
    ASSERT_TRUE(attr.ok());
    EXPECT_EQ(attr->nlink, 2u + subdirs[d]);
  }
}

// rmdir scans the victim's entries without conflict checks; creating an entry
// writes the directory's inode record, which rmdir read, so the two conflict.
TYPED_TEST(ConcurrencyTest, RmdirNeverRemovesADirectoryAnotherThreadJustFilled) {
  uint64_t d = this->MkdirP("/d");
  std::atomic<bool> stop{false};
  std::thread remover([&] {
    while (!stop.load()) {
      this->fs_->Mkdir(this->root, d, "x", 0755).status().IgnoreError();
      std::this_thread::sleep_for(std::chrono::microseconds(100));
      this->fs_->Rmdir(this->root, d, "x").IgnoreError();
    }
  });
  int filled = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (int i = 0; i < 2000 || (filled < 20 && std::chrono::steady_clock::now() < deadline); ++i) {
    auto x = this->fs_->Lookup(this->root, d, "x");
    if (!x.ok()) continue;
    if (!this->fs_->Create(this->root, x->ino, "f", 0644, true).ok()) continue;
    ++filled;
    // Nobody else removes f, so x cannot have been removed under it.
    Status st = this->fs_->Unlink(this->root, x->ino, "f");
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  stop = true;
  remover.join();
  EXPECT_GT(filled, 0);
  std::cout << filled << " files created in a directory being removed\n";
}

// Two threads moving two directories into each other at the same moment:
// the ancestor checks read the parent chains through conflict-checked Gets,
// so at most one move wins and no cycle cuts both off from the root.
TYPED_TEST(ConcurrencyTest, CrossRenamesNeverCreateACycle) {
  uint64_t p = this->MkdirP("/p");
  std::vector<uint64_t> made;
  for (int round = 0; round < 40; ++round) {
    std::string an = "a" + std::to_string(round), bn = "b" + std::to_string(round);
    uint64_t a = this->MkdirP("/p/" + an);
    uint64_t b = this->MkdirP("/p/" + bn);
    made.push_back(a);
    made.push_back(b);
    std::atomic<int> ready{0};
    auto mover = [&](const std::string& name, uint64_t into) {
      ready.fetch_add(1);
      while (ready.load() < 2) std::this_thread::yield();
      this->fs_->Rename(this->root, p, name, into, name).IgnoreError();
    };
    std::thread t1(mover, an, b);
    std::thread t2(mover, bn, a);
    t1.join();
    t2.join();
  }
  std::map<uint64_t, int> refs, subdirs;
  this->Collect(this->root_, refs, subdirs);
  for (uint64_t d : made) EXPECT_EQ(refs[d], 1) << "directory " << d << " is cut off";
}

}  // namespace
}  // namespace nasd::vfs::testing
