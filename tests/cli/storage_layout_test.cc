#include "cli/storage_layout.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cli/services.h"
#include "common/posix_io.h"
#include "testutil/temp_dir.h"

namespace nasd::cli {
namespace {

meta::VolumeInfo NewInfo() { return meta::VolumeInfo{meta::NewVolumeId(), meta::kFormatVersion, 1u << 20, 42}; }

Config ConfigFor(const std::string& path, uint64_t block_size) {
  Config c;
  c.storage.path = path;
  c.storage.block_size = block_size;
  return c;
}

TEST(StorageLayoutTest, CreateThenOpen) {
  testutil::TempDir dir;
  std::string root = dir.Sub("vol");
  auto none = ReadVolumeFile(root);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  meta::VolumeInfo info = NewInfo();
  ASSERT_TRUE(CreateVolume(root, info).ok());
  EXPECT_TRUE(std::filesystem::is_directory(MetaPath(root)));
  EXPECT_TRUE(std::filesystem::is_directory(ChunksPath(root)));
  auto read = ReadVolumeFile(root);
  ASSERT_TRUE(read.ok());
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->volume_id, info.volume_id);

  auto services = OpenServices(ConfigFor(root, 1u << 20));
  ASSERT_TRUE(services.ok()) << services.status().ToString();
  EXPECT_EQ((*services)->volume.volume_id, info.volume_id);
  EXPECT_TRUE((*services)->shares->Create("docs").ok());
  EXPECT_TRUE((*services)->Close().ok());
  services->reset();

  auto again = OpenServices(ConfigFor(root, 1u << 20));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE((*again)->shares->Get("docs").ok());
}

TEST(StorageLayoutTest, OpenRefusesMissingOrMismatchedVolumes) {
  testutil::TempDir dir;
  auto missing = OpenServices(ConfigFor(dir.Sub("empty"), 1u << 20));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nasd init"), std::string::npos);

  std::string root = dir.Sub("vol");
  ASSERT_TRUE(CreateVolume(root, NewInfo()).ok());
  auto wrong_block = OpenServices(ConfigFor(root, 4u << 20));
  ASSERT_FALSE(wrong_block.ok());
  EXPECT_NE(wrong_block.status().message().find("block size"), std::string::npos);

  // A VOLUME file that names another volume than the metadata does.
  meta::VolumeInfo other = NewInfo();
  ASSERT_TRUE(posix::WriteFileDurably(VolumeFilePath(root), meta::EncodeVolume(other), 0644).ok());
  auto mixed = OpenServices(ConfigFor(root, 1u << 20));
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.status().message().find("does not belong"), std::string::npos);
}

TEST(StorageLayoutTest, CorruptVolumeFileIsReported) {
  testutil::TempDir dir;
  std::filesystem::create_directories(dir.Sub("vol"));
  std::ofstream(VolumeFilePath(dir.Sub("vol"))) << "garbage";
  auto r = ReadVolumeFile(dir.Sub("vol"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCorruption);
}

TEST(StorageLayoutTest, WriteFileDurablySetsModeAndReplaces) {
  testutil::TempDir dir;
  std::string path = dir.Sub("secret.yaml");
  ASSERT_TRUE(posix::WriteFileDurably(path, "one", 0644).ok());
  ASSERT_TRUE(posix::WriteFileDurably(path, "two", 0600).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(path);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "two");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

}  // namespace
}  // namespace nasd::cli
