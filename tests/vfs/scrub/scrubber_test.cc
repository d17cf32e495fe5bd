// The scrubber verifies every chunk, names the files a damaged one belongs
// to, and respects its rate limit.
#include "vfs/scrub/scrubber.h"

#include <filesystem>
#include <fstream>

#include "vfs/vfs_fixture.h"

namespace nasd::vfs::testing {
namespace {

template <typename Factory>
class ScrubberTest : public VfsTest<Factory> {
 protected:
  scrub::Scrubber Make(std::chrono::nanoseconds* slept) {
    scrub::ScrubOptions o;
    o.bytes_per_sec = 1 << 20;
    o.sleep = [slept](std::chrono::nanoseconds d) { *slept += d; };
    return scrub::Scrubber(*this->kv_, *this->chunks_, o);
  }
};
TYPED_TEST_SUITE(ScrubberTest, KvFactories, kv::testing::FactoryNames);

TYPED_TEST(ScrubberTest, VerifiesEveryChunkAtItsRate) {
  this->File("/f", std::string(2 * kTestBlockSize, 'a') + std::string(kTestBlockSize, 'b'));
  std::chrono::nanoseconds slept{0};
  scrub::Scrubber s = this->Make(&slept);
  auto r = s.RunOnce();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->chunks, 2u);
  EXPECT_EQ(r->bytes, 2 * kTestBlockSize);
  EXPECT_TRUE(r->damaged.empty());
  // 256 KiB at 1 MiB/s: about a quarter of a second of pauses.
  EXPECT_GT(slept, std::chrono::milliseconds(150));
  EXPECT_EQ(s.Totals().chunks_verified, 2u);
}

// Damages a chunk file, so only on the local backend (RocksDB + local chunks).
class ScrubberLocalTest : public ScrubberTest<kv::testing::RocksDbFactory> {};

TEST_F(ScrubberLocalTest, ReportsADamagedChunkAndWhereItIsUsed) {
  const uint64_t f = this->File("/f", std::string(kTestBlockSize, 'a'));
  // Flip one byte in the middle of the only chunk file.
  for (const auto& e : std::filesystem::recursive_directory_iterator(this->chunk_dir_.Sub("chunks"))) {
    if (!e.is_regular_file() || e.file_size() < kTestBlockSize) continue;
    std::fstream io(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(static_cast<std::streamoff>(e.file_size() / 2));
    io.put('Z');
  }
  std::chrono::nanoseconds slept{0};
  scrub::Scrubber s = this->Make(&slept);
  auto r = s.RunOnce();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->damaged.size(), 1u);
  EXPECT_EQ(s.Totals().corruptions, 1u);
  auto id = chunk::ChunkId::FromHex(r->damaged[0]);
  ASSERT_TRUE(id.ok());
  std::string raw(reinterpret_cast<const char*>(id->bytes().data()), id->bytes().size());
  auto uses = scrub::Scrubber::FindUses(*this->kv_, raw);
  ASSERT_TRUE(uses.ok());
  ASSERT_EQ(uses->size(), 1u);
  EXPECT_EQ((*uses)[0].ino, f);
  EXPECT_EQ((*uses)[0].block, 0u);
}

}  // namespace
}  // namespace nasd::vfs::testing
