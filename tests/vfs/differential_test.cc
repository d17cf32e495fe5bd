// The same random operations applied to vfs and to a real directory on the
// local disk (as root, through syscalls); after every step the errnos, the
// trees, file contents, modes, link counts and user xattrs must agree.
// Fixed seeds plus one random seed; a failure prints the seed and the step.
#include <sys/stat.h>

#include <random>

#include "testutil/temp_dir.h"
#include "vfs/differ.h"

namespace nasd::vfs::testing {
namespace {

using testutil::diff::PosixSide;

template <typename Factory>
class DifferentialTest : public VfsTest<Factory> {
 protected:
  void Run(uint64_t seed, int steps) {
    testutil::TempDir dir;
    meta::ShareStore shares(*this->kv_);
    std::string share = "diff" + std::to_string(seed % 100000);
    ASSERT_TRUE(shares.Create(share).ok());
    auto fs = Filesystem::Open(*this->kv_, *this->chunks_, share);
    ASSERT_TRUE(fs.ok());
    ASSERT_EQ(::mkdir(dir.Sub("t").c_str(), 0755), 0);
    PosixSide local(dir.Sub("t"));
    diff::VfsSide tested(**fs);
    testutil::diff::RunWalk(local, tested, seed, steps, diff::kOptions);
  }
};
TYPED_TEST_SUITE(DifferentialTest, KvFactories, kv::testing::FactoryNames);

TYPED_TEST(DifferentialTest, FixedSeeds) {
  const int steps = std::is_same_v<TypeParam, kv::testing::MemFactory> ? 2000 : 1000;
  for (uint64_t seed : {1, 2, 3}) this->Run(seed, steps);
}

TYPED_TEST(DifferentialTest, RandomSeed) {
  uint64_t seed = std::random_device{}();
  std::cout << "differential seed " << seed << "\n";
  this->Run(seed, 1000);
}

}  // namespace
}  // namespace nasd::vfs::testing
