// The same random operations through the FUSE mount and on a directory of
// the local disk, both with plain syscalls; after every step the errnos, the
// trees, contents, modes, link counts, symlink targets and user xattrs must
// agree. Fixed seeds plus one random seed; a failure prints the seed and step.
#include <random>

#include "fuse/fuse_fixture.h"
#include "testutil/tree_differ.h"

namespace nasd::fuse::testing {
namespace {

using testutil::diff::PosixSide;

class FuseDifferentialTest : public FuseTest {
 protected:
  void Run(uint64_t seed, int steps) {
    const std::string sub = "t" + std::to_string(seed);
    ASSERT_EQ(::mkdir(dir_.Sub(sub).c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(M(sub).c_str(), 0755), 0);
    PosixSide local(dir_.Sub(sub));
    PosixSide mounted(M(sub));
    testutil::diff::RunWalk(local, mounted, seed, steps,
                            {.span = 5 * kTestBlockSize + 1000, .big = 3 * kTestBlockSize});
  }
};

TEST_F(FuseDifferentialTest, FixedSeeds) {
  Mount();
  for (uint64_t seed : {1, 2, 3}) Run(seed, 700);
}

TEST_F(FuseDifferentialTest, RandomSeed) {
  Mount();
  uint64_t seed = std::random_device{}();
  std::cout << "fuse differential seed " << seed << "\n";
  Run(seed, 700);
}

}  // namespace
}  // namespace nasd::fuse::testing
