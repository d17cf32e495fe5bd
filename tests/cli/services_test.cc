// The share Filesystem options serve and mount derive from the config: on S3
// the file layer's parallelism follows storage.s3.concurrency.
#include "cli/services.h"

#include <gtest/gtest.h>

namespace nasd::cli {
namespace {

Services WithBlockSize(uint64_t block_size) {
  Services s;
  s.volume.block_size = block_size;
  return s;
}

TEST(ShareMountsOptionsTest, LocalDiskKeepsTheDefaults) {
  Config config;
  config.storage.s3.concurrency = 12;  // not used without s3
  vfs::ShareMountsOptions o = ShareMountsOptionsFrom(config, WithBlockSize(4 << 20));
  const vfs::FilesystemOptions defaults;
  EXPECT_EQ(o.filesystem.write_uploads, defaults.write_uploads);
  EXPECT_EQ(o.filesystem.readahead_blocks, defaults.readahead_blocks);
  EXPECT_EQ(o.readahead_threads, vfs::data::BlockCacheOptions{}.readahead_threads);
  EXPECT_TRUE(o.filesystem.space) << "local disk reports its space";
}

TEST(ShareMountsOptionsTest, S3UploadsAndReadsAheadWithItsConcurrency) {
  Config config;
  config.storage.backend = "s3";
  config.storage.s3.concurrency = 12;
  vfs::ShareMountsOptions o = ShareMountsOptionsFrom(config, WithBlockSize(4 << 20));
  EXPECT_EQ(o.filesystem.write_uploads, 12u);
  EXPECT_EQ(o.filesystem.readahead_blocks, 12u);
  EXPECT_EQ(o.readahead_threads, 12);
  EXPECT_FALSE(o.filesystem.space);

  // Readahead stays within half the block cache: 64 MiB holds 16 blocks.
  config.storage.block_cache = 64 << 20;
  config.storage.s3.concurrency = 64;
  o = ShareMountsOptionsFrom(config, WithBlockSize(4 << 20));
  EXPECT_EQ(o.filesystem.write_uploads, 64u);
  EXPECT_EQ(o.filesystem.readahead_blocks, 8u);
  EXPECT_EQ(o.readahead_threads, 8);
}

}  // namespace
}  // namespace nasd::cli
