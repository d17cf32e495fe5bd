#include "webdav/file_source.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/page_cache.h"
#include "vfs/data/file_data.h"

namespace nasd::webdav {

using vfs::data::ReadPiece;

FileSource::FileSource(std::shared_ptr<vfs::Filesystem> fs, uint64_t ino, std::vector<Segment> segments,
                       SendMode mode)
    : fs_(std::move(fs)), ino_(ino), mode_(mode), segments_(std::move(segments)) {
  for (const auto& s : segments_) size_ += s.length != 0 ? s.length : s.bytes.size();
  fs_->Retain(ino_);
}

// A release that erases an orphan (the file was deleted while being sent)
// commits a transaction; it is rare, and logged by the vfs if it fails.
FileSource::~FileSource() { (void)fs_->Release(ino_); }

Result<http::BodyPart> FileSource::Next() {
  fd_ = posix::UniqueFd();  // the previous part has been sent
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
      plan_begin_ = plan_end_ = 0;
      continue;
    }
    NASD_ASSIGN_OR_RETURN(http::BodyPart part, NextFileBytes(s.offset + done_, s.offset + s.length));
    done_ += part.fd >= 0 ? part.length : part.bytes.size();
    return part;
  }
  return http::BodyPart{};
}

std::optional<Result<http::BodyPart>> FileSource::TryNext() {
  // Only local chunks can be asked not to wait: verified ones are read with
  // RWF_NOWAIT, plain ones are sent only if the page cache holds them
  // (posix::InPageCache). Reads through memory (S3, kCopy) go to a worker.
  // So do big bodies: trying them first on the network thread made cold
  // 512 MiB GETs a third slower (measured; the cause is not understood).
  if (mode_ == SendMode::kCopy || size_ > kTryMax) return std::nullopt;
  nowait_ = true;
  Result<http::BodyPart> part = Next();
  nowait_ = false;
  // Next() changes nothing before a chunk read succeeds, so the worker's
  // Next() picks up exactly here.
  if (part.status().code() == Code::kWouldBlock) return std::nullopt;
  return part;
}

void FileSource::Prime(vfs::data::ReadPlan plan) {
  uint64_t mapped = 0;
  for (const ReadPiece& p : plan.pieces) mapped += p.length;
  if (mapped == 0) return;
  plan_begin_ = plan.pieces.front().file_offset;
  plan_end_ = plan_begin_ + mapped;
  plan_ = std::move(plan);
}

Result<http::BodyPart> FileSource::NextFileBytes(uint64_t pos, uint64_t end) {
  if (mode_ == SendMode::kCopy) {
    NASD_ASSIGN_OR_RETURN(std::string data, fs_->Read(ino_, pos, std::min(kReadChunk, end - pos)));
    if (data.empty()) return Unavailable("the file shrank while it was being sent");
    http::BodyPart part;
    part.bytes = std::move(data);
    return part;
  }
  if (pos < plan_begin_ || pos >= plan_end_) {
    const uint64_t want = std::min(kWindow, end - pos);
    NASD_ASSIGN_OR_RETURN(plan_, fs_->MapRead(ino_, pos, want));
    uint64_t mapped = 0;
    for (const ReadPiece& p : plan_.pieces) mapped += p.length;
    if (mapped == 0) return Unavailable("the file shrank while it was being sent");
    plan_begin_ = pos;
    plan_end_ = pos + mapped;
  }
  for (const ReadPiece& p : plan_.pieces) {
    if (pos >= p.file_offset && pos < p.file_offset + p.length) {
      return FromPiece(p, pos - p.file_offset, end - pos);
    }
  }
  return Internal(fmt::format("no mapped piece holds offset {}", pos));
}

void FileSource::HintNextChunk(const ReadPiece& current) {
  for (const ReadPiece& p : plan_.pieces) {
    if (p.file_offset > current.file_offset && p.kind == ReadPiece::Kind::kChunk) {
      return fs_->chunks().WillNeed(vfs::data::ToChunkId(p.chunk_id));
    }
  }
  if (!plan_.following.empty()) fs_->chunks().WillNeed(vfs::data::ToChunkId(plan_.following.front()));
}

Result<http::BodyPart> FileSource::FromPiece(const ReadPiece& p, uint64_t skip, uint64_t max) {
  const uint64_t n = std::min(p.length - skip, max);
  http::BodyPart part;
  switch (p.kind) {
    case ReadPiece::Kind::kZeros:
      part.bytes.assign(std::min(n, kReadChunk), '\0');
      return part;
    case ReadPiece::Kind::kInline:
      part.bytes = plan_.inline_bytes.substr(p.chunk_offset + skip, std::min(n, kReadChunk));
      return part;
    case ReadPiece::Kind::kChunk:
      break;
  }
  const chunk::ChunkId id = vfs::data::ToChunkId(p.chunk_id);
  const uint64_t at = p.chunk_offset + skip;
  Result<chunk::ChunkFile> file = mode_ == SendMode::kVerifiedSendfile
                                      ? fs_->chunks().OpenFileVerified(id, at, n, nowait_)
                                      : fs_->chunks().OpenFile(id);
  if (file.ok()) {
    fd_ = posix::UniqueFd(file->fd);
    if (at + n > file->length) return Corruption("chunk is shorter than its block record");
    if (nowait_ && mode_ == SendMode::kSendfile) {
      // sendfile would wait for the disk on the network thread otherwise.
      Result<bool> cached = posix::InPageCache(fd_.get(), file->data_offset + at, n);
      if (!cached.ok() || !*cached) return Status(Code::kWouldBlock, "chunk bytes are not cached");
    }
    part.fd = fd_.get();
    part.offset = file->data_offset + at;
    part.length = n;
    // The body goes on past this chunk: the disk reads the next one while
    // this one is sent (otherwise checking and sending would take turns).
    // Plain sendfile needs no hint: the kernel reads ahead for it, and the
    // hint made cold 1 GiB GETs slower (1 314 -> 1 207 MiB/s) for more CPU.
    if (n < max && !nowait_ && mode_ == SendMode::kVerifiedSendfile) HintNextChunk(p);
    return part;
  }
  if (file.status().code() != Code::kNotSupported) return file.status();
  // No local files (S3, memory): read through the store, which verifies.
  mode_ = SendMode::kCopy;
  if (nowait_) return Status(Code::kWouldBlock, "chunk data is read through the store");
  NASD_ASSIGN_OR_RETURN(part.bytes, fs_->chunks().GetRange(id, at, std::min(n, kReadChunk)));
  if (part.bytes.empty()) return Corruption("chunk is shorter than its block record");
  return part;
}

}  // namespace nasd::webdav
