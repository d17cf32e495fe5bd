// Node ids <-> vfs inode numbers (ops_base.h): identity while the share's
// root is vfs inode 1 (today's layout), and a swap that keeps every number
// unique should the root ever have another number.
#include <gtest/gtest.h>

#include <set>

#include "fuse/ops_base.h"
#include "vfs/snapshot/snapshot_ino.h"

namespace nasd::fuse {
namespace {

TEST(NodeIdsTest, IdentityWhenTheRootIsInodeOne) {
  FuseFs f;
  f.root = 1;
  for (uint64_t ino : {uint64_t{1}, uint64_t{2}, uint64_t{12345}, vfs::kSnapshotsDirIno,
                       vfs::ViewIno(7, 1), vfs::ViewIno(7, 99)}) {
    EXPECT_EQ(f.ToNode(ino), ino);
    EXPECT_EQ(f.ToVfs(ino), ino);
  }
}

TEST(NodeIdsTest, RootAndInodeOneSwapOtherwise) {
  FuseFs f;
  f.root = 42;
  EXPECT_EQ(f.ToNode(42), FUSE_ROOT_ID);
  EXPECT_EQ(f.ToVfs(FUSE_ROOT_ID), 42u);
  EXPECT_EQ(f.ToNode(1), 42u);
  EXPECT_EQ(f.ToVfs(42), 1u);
  std::set<uint64_t> nodes;
  for (uint64_t ino = 1; ino <= 100; ++ino) {
    uint64_t node = f.ToNode(ino);
    EXPECT_EQ(f.ToVfs(node), ino) << ino;
    nodes.insert(node);
  }
  EXPECT_EQ(nodes.size(), 100u);  // a bijection: no two inodes share a node id
}

}  // namespace
}  // namespace nasd::fuse
