// HashPool: results equal ChunkId::Of whichever thread computes them, jobs
// complete however few workers there are, and workers start on demand.
#include "chunk/hash_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "chunk_test_util.h"

namespace nasd::chunk {
namespace {

using testing::RandomBytes;

TEST(HashPoolTest, JobResultIsTheChunkId) {
  HashPool pool(2);
  EXPECT_EQ(pool.threads(), 0u) << "no worker before the first job";
  const std::string data = RandomBytes(1 << 20, 1);
  HashPool::Job job(pool, data);
  EXPECT_EQ(job.Wait(), ChunkId::Of(data));
  HashPool::Job empty(pool, "");
  EXPECT_EQ(empty.Wait().ToHex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_GE(pool.threads(), 1u);
  EXPECT_LE(pool.threads(), 2u);
}

TEST(HashPoolTest, ManyOwnersShareOneWorker) {
  HashPool pool(1);
  std::atomic<int> right{0};
  std::vector<std::thread> owners;
  for (int t = 0; t < 6; ++t) {
    owners.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        const std::string data = RandomBytes(static_cast<size_t>(1000 * i + t), t * 100 + i);
        HashPool::Job job(pool, data);
        if (job.Wait() == ChunkId::Of(data)) right.fetch_add(1);
      }
    });
  }
  for (auto& t : owners) t.join();
  EXPECT_EQ(right.load(), 6 * 40);
  EXPECT_EQ(pool.threads(), 1u);
}

TEST(HashPoolTest, WorkersStartOnDemandUpToTheLimit) {
  HashPool pool(3);
  // Large enough (~20 ms of hashing) that no worker is idle again before
  // the last job is queued.
  const std::string data = RandomBytes(32 << 20, 2);
  {
    // Four jobs queued at once want four workers; the limit is three.
    HashPool::Job a(pool, data), b(pool, data), c(pool, data), d(pool, data);
    const ChunkId want = ChunkId::Of(data);
    EXPECT_EQ(a.Wait(), want);
    EXPECT_EQ(b.Wait(), want);
    EXPECT_EQ(c.Wait(), want);
    EXPECT_EQ(d.Wait(), want);
  }
  EXPECT_GE(pool.threads(), 2u);
  EXPECT_LE(pool.threads(), 3u);
}

TEST(HashPoolTest, JobsDestroyedWithoutWaitAreCancelled) {
  HashPool pool(1);
  const std::string data = RandomBytes(256 << 10, 3);
  for (int i = 0; i < 200; ++i) {
    HashPool::Job a(pool, data);
    HashPool::Job b(pool, data);  // often still queued when destroyed
  }
  HashPool::Job after(pool, data);
  EXPECT_EQ(after.Wait(), ChunkId::Of(data));
}

TEST(HashPoolTest, DestroyingAPoolJoinsIdleWorkers) {
  for (int i = 0; i < 20; ++i) {
    HashPool pool(2);
    HashPool::Job job(pool, "x");
    EXPECT_EQ(job.Wait(), ChunkId::Of("x"));
  }
}

}  // namespace
}  // namespace nasd::chunk
