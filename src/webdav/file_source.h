// FileSource: a streamed response body made of literal byte strings and
// ranges of one file, read through vfs::Filesystem::Read about 1 MiB at a
// time (so memory stays bounded whatever the file size). Serves whole files,
// single ranges and multipart/byteranges. Kept on its own so a zero-copy
// (sendfile) source can replace it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "http/message.h"
#include "vfs/filesystem.h"

namespace nasd::webdav {

inline constexpr uint64_t kReadChunk = 1 << 20;

class FileSource : public http::BodySource {
 public:
  struct Segment {
    std::string bytes;  // literal, when length == 0
    uint64_t offset = 0;
    uint64_t length = 0;
  };
  FileSource(std::shared_ptr<vfs::Filesystem> fs, uint64_t ino, std::vector<Segment> segments);

  uint64_t size() const override { return size_; }
  Result<http::BodyPart> Next() override;

 private:
  std::shared_ptr<vfs::Filesystem> fs_;
  const uint64_t ino_;
  std::vector<Segment> segments_;
  uint64_t size_ = 0;
  size_t index_ = 0;
  uint64_t done_ = 0;  // bytes of segments_[index_] already returned
};

}  // namespace nasd::webdav
