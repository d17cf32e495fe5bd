// FileSource: a streamed response body made of literal byte strings and
// ranges of one file. Serves whole files, single ranges and
// multipart/byteranges with bounded memory whatever the file size.
//
// File bytes are located with vfs::Filesystem::MapRead in windows of up to
// kWindow bytes. On a chunk store with local files, chunk bytes go out with
// sendfile(2) straight from the page cache (SendMode::kSendfile*); with
// kVerifiedSendfile (the default) the crc32c of every segment is checked in
// place first (ChunkStore::OpenFileVerified), so corrupt data never leaves.
// Inline bytes and holes are sent as bytes; on other stores (S3, memory)
// chunk bytes are read and verified through the store, 1 MiB at a time.
//
// The source holds the file open (vfs::Filesystem::Retain) while it lives, so
// a response that has started keeps sending the bytes it started with when
// the file is deleted or replaced meanwhile.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/posix_io.h"
#include "http/message.h"
#include "vfs/filesystem.h"

namespace nasd::webdav {

inline constexpr uint64_t kReadChunk = 1 << 20;
// Bodies up to this size are first tried on the network thread (TryNext).
inline constexpr uint64_t kTryMax = 1 << 20;

enum class SendMode {
  kCopy,              // read every byte through the vfs
  kSendfile,          // sendfile chunk bytes; checksums left to the scrubber
  kVerifiedSendfile,  // verify the segments' crc32c in place, then sendfile
};

class FileSource : public http::BodySource {
 public:
  struct Segment {
    std::string bytes;  // literal, when length == 0
    uint64_t offset = 0;
    uint64_t length = 0;
  };
  static constexpr uint64_t kWindow = 16ULL << 20;

  FileSource(std::shared_ptr<vfs::Filesystem> fs, uint64_t ino, std::vector<Segment> segments,
             SendMode mode = SendMode::kVerifiedSendfile);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  uint64_t size() const override { return size_; }
  Result<http::BodyPart> Next() override;
  // A quick source runs on the I/O thread (http::BodySource::quick): the
  // caller says so only for files whose bytes live inline in the metadata
  // (no chunk read, so no disk wait that would stall every connection of
  // that thread; 64 KiB ranges of cold big files were slower that way).
  void set_quick(bool quick) { quick_ = quick; }
  bool quick() const override { return quick_; }
  // Local chunk data already in the page cache is sent without a worker.
  std::optional<Result<http::BodyPart>> TryNext() override;
  // A plan read with the attributes the response was built from
  // (vfs::Filesystem::LookupPath's PathRead): the bytes it maps go out
  // without a MapRead.
  void Prime(vfs::data::ReadPlan plan);

 private:
  // The next part of file bytes [pos, end) of the current segment.
  Result<http::BodyPart> NextFileBytes(uint64_t pos, uint64_t end);
  Result<http::BodyPart> FromPiece(const vfs::data::ReadPiece& p, uint64_t skip, uint64_t max);
  // Starts the page cache reading the chunk after current (ChunkStore::WillNeed).
  void HintNextChunk(const vfs::data::ReadPiece& current);

  std::shared_ptr<vfs::Filesystem> fs_;
  const uint64_t ino_;
  SendMode mode_;
  std::vector<Segment> segments_;
  uint64_t size_ = 0;
  bool quick_ = false;
  bool nowait_ = false;  // inside TryNext: chunk reads must not wait for the disk
  size_t index_ = 0;
  uint64_t done_ = 0;  // bytes of segments_[index_] already returned
  // The mapped window of the current segment: file bytes [plan_begin_, plan_end_).
  vfs::data::ReadPlan plan_;
  uint64_t plan_begin_ = 0;
  uint64_t plan_end_ = 0;
  posix::UniqueFd fd_;  // the chunk file of the last part sent with sendfile
};

}  // namespace nasd::webdav
