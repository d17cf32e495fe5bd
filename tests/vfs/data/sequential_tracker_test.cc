// SequentialTracker: streaming readers are told from random ones even when
// their requests arrive out of order.
#include <gtest/gtest.h>

#include "vfs/data/block_cache.h"

namespace nasd::vfs::data {
namespace {

constexpr uint64_t kMiB = 1 << 20;

TEST(SequentialTrackerTest, AReaderFromTheStartInOrderIsSequential) {
  SequentialTracker t;
  for (uint64_t off = 0; off < 16 * kMiB; off += kMiB) EXPECT_TRUE(t.Next(7, off, kMiB)) << off;
}

TEST(SequentialTrackerTest, RequestsInFlightTogetherStaySequentialInAnyOrder) {
  SequentialTracker t;
  EXPECT_TRUE(t.Next(7, 0, kMiB));
  // Four requests in flight, answered by threads in a shuffled order.
  EXPECT_TRUE(t.Next(7, 3 * kMiB, kMiB));
  EXPECT_TRUE(t.Next(7, kMiB, kMiB));
  EXPECT_TRUE(t.Next(7, 4 * kMiB, kMiB));
  EXPECT_TRUE(t.Next(7, 2 * kMiB, kMiB)) << "a late request behind the stream's end";
  EXPECT_TRUE(t.Next(7, 5 * kMiB, kMiB));
}

TEST(SequentialTrackerTest, FarJumpsAreRandomAndInodesAreTrackedApart) {
  SequentialTracker t;
  EXPECT_FALSE(t.Next(7, 100 * kMiB, 4096)) << "a first read away from the start";
  EXPECT_FALSE(t.Next(7, 10 * kMiB, 4096)) << "far behind";
  EXPECT_FALSE(t.Next(7, 10 * kMiB + 4096 + SequentialTracker::kWindow + 1, 4096)) << "far ahead";
  EXPECT_TRUE(t.Next(7, 10 * kMiB + 2 * 4096 + SequentialTracker::kWindow, 4096)) << "continues the last read";
  EXPECT_TRUE(t.Next(8, 0, 4096)) << "another inode starts its own stream";
}

}  // namespace
}  // namespace nasd::vfs::data
