// WriteBack's bookkeeping (write_back.h): the removal count readers use to
// tell whether a snapshot holds every completed write to an inode.
#include "vfs/write_back.h"

#include <gtest/gtest.h>

namespace nasd::vfs {
namespace {

TEST(WriteBackTest, CleanSinceSeesBufferedAndLaterCommittedWrites) {
  WriteBack wb(4096, std::make_shared<DirtyBudget>(1 << 20));
  const uint64_t before = wb.Removals();
  EXPECT_TRUE(wb.CleanSince(7, before));
  std::shared_ptr<DirtyFile> df = wb.FindOrCreate(7);
  EXPECT_FALSE(wb.CleanSince(7, before));  // buffered now
  EXPECT_TRUE(wb.CleanSince(8, before));   // another inode is not
  {
    std::lock_guard lock(df->mu);
    wb.Remove(7, *df);  // its writes were committed (or dropped)
  }
  EXPECT_EQ(wb.Removals(), before + 1);
  // Committed after the count was taken: a snapshot from before may miss it.
  EXPECT_FALSE(wb.CleanSince(7, before));
  EXPECT_FALSE(wb.CleanSince(8, before));  // the count does not say which inode
  EXPECT_TRUE(wb.CleanSince(7, wb.Removals()));
  // A DirtyFile already replaced in the map is still counted, once.
  std::shared_ptr<DirtyFile> again = wb.FindOrCreate(7);
  {
    std::lock_guard lock(df->mu);
    wb.Remove(7, *df);
  }
  EXPECT_EQ(wb.Find(7), again);
  EXPECT_FALSE(wb.CleanSince(7, wb.Removals()));
}

}  // namespace
}  // namespace nasd::vfs
