#include "webdav/file_source.h"

#include <algorithm>

namespace nasd::webdav {

FileSource::FileSource(std::shared_ptr<vfs::Filesystem> fs, uint64_t ino,
                       std::vector<Segment> segments)
    : fs_(std::move(fs)), ino_(ino), segments_(std::move(segments)) {
  for (const auto& s : segments_) size_ += s.length != 0 ? s.length : s.bytes.size();
}

Result<http::BodyPart> FileSource::Next() {
  while (index_ < segments_.size()) {
    Segment& s = segments_[index_];
    if (s.length == 0) {
      ++index_;
      if (s.bytes.empty()) continue;
      http::BodyPart part;
      part.bytes = std::move(s.bytes);
      return part;
    }
    if (done_ == s.length) {
      ++index_;
      done_ = 0;
      continue;
    }
    uint64_t want = std::min(kReadChunk, s.length - done_);
    NASD_ASSIGN_OR_RETURN(std::string data, fs_->Read(ino_, s.offset + done_, want));
    if (data.empty()) return Unavailable("the file shrank while it was being sent");
    done_ += data.size();
    http::BodyPart part;
    part.bytes = std::move(data);
    return part;
  }
  return http::BodyPart{};
}

}  // namespace nasd::webdav
