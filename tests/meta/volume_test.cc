#include "meta/volume.h"

#include <gtest/gtest.h>

#include "kv/mem/mem_engine.h"

namespace nasd::meta {
namespace {

TEST(VolumeTest, StampAndLoad) {
  auto kv = kv::NewMemEngine();
  auto none = LoadVolume(*kv);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  VolumeInfo v{NewVolumeId(), kFormatVersion, 4u << 20, 123};
  EXPECT_EQ(v.volume_id.size(), 32u);
  ASSERT_TRUE(StampVolume(*kv, v).ok());
  auto loaded = LoadVolume(*kv);
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->volume_id, v.volume_id);
  EXPECT_EQ((*loaded)->block_size, v.block_size);

  ASSERT_TRUE(StampVolume(*kv, v).ok());  // same volume: idempotent
  VolumeInfo other = v;
  other.volume_id = NewVolumeId();
  EXPECT_EQ(StampVolume(*kv, other).code(), Code::kAlreadyExists);
}

TEST(VolumeTest, RejectsMalformedAndFutureRecords) {
  EXPECT_EQ(DecodeVolume("nope").status().code(), Code::kCorruption);
  EXPECT_EQ(DecodeVolume(R"({"volume_id":1})").status().code(), Code::kCorruption);
  EXPECT_EQ(DecodeVolume(R"({"volume_id":"a","format_version":99,"block_size":1,"created_ns":1})")
                .status()
                .code(),
            Code::kFailedPrecondition);
}

}  // namespace
}  // namespace nasd::meta
