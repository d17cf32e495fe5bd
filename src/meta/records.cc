#include "meta/records.h"

#include "meta/codec.h"

namespace nasd::meta {
namespace {

bool ValidType(uint8_t t) { return t >= 1 && t <= 3; }

Status Malformed(std::string_view what) {
  return Corruption(std::string(what) + " record is malformed");
}

}  // namespace

std::string EncodeInode(const InodeRecord& r) {
  Encoder e;
  e.U8(kRecordV1);
  e.U8(static_cast<uint8_t>(r.type));
  e.U32(r.mode);
  e.U32(r.uid);
  e.U32(r.gid);
  e.U32(r.nlink);
  e.U64(r.size);
  e.I64(r.atime_ns);
  e.I64(r.mtime_ns);
  e.I64(r.ctime_ns);
  e.I64(r.crtime_ns);
  e.U64(r.generation);
  e.U64(r.parent);
  return e.Take();
}

Result<InodeRecord> DecodeInode(std::string_view v) {
  Decoder d(v);
  if (d.U8() != kRecordV1) return Malformed("inode");
  InodeRecord r;
  uint8_t type = d.U8();
  r.type = static_cast<FileType>(type);
  r.mode = d.U32();
  r.uid = d.U32();
  r.gid = d.U32();
  r.nlink = d.U32();
  r.size = d.U64();
  r.atime_ns = d.I64();
  r.mtime_ns = d.I64();
  r.ctime_ns = d.I64();
  r.crtime_ns = d.I64();
  r.generation = d.U64();
  r.parent = d.U64();
  if (!d.AtEnd() || !ValidType(type) || (r.mode & ~07777u) != 0) return Malformed("inode");
  return r;
}

std::string EncodeDirEntry(const DirEntryRecord& r) {
  Encoder e;
  e.U8(kRecordV1);
  e.U64(r.ino);
  e.U8(static_cast<uint8_t>(r.type));
  return e.Take();
}

Result<DirEntryRecord> DecodeDirEntry(std::string_view v) {
  Decoder d(v);
  if (d.U8() != kRecordV1) return Malformed("directory entry");
  DirEntryRecord r;
  r.ino = d.U64();
  uint8_t type = d.U8();
  r.type = static_cast<FileType>(type);
  if (!d.AtEnd() || !ValidType(type) || r.ino == 0) return Malformed("directory entry");
  return r;
}

std::string EncodeDirTimes(const DirTimesRecord& r) {
  Encoder e;
  e.U8(kRecordV1);
  e.I64(r.mtime_ns);
  e.I64(r.ctime_ns);
  return e.Take();
}

Result<DirTimesRecord> DecodeDirTimes(std::string_view v) {
  Decoder d(v);
  if (d.U8() != kRecordV1) return Malformed("directory times");
  DirTimesRecord r;
  r.mtime_ns = d.I64();
  r.ctime_ns = d.I64();
  if (!d.AtEnd()) return Malformed("directory times");
  return r;
}

std::string EncodeBlock(const BlockRecord& r) {
  Encoder e;
  e.U8(kRecordV1);
  e.Bytes(r.chunk_id);
  e.U32(r.length);
  return e.Take();
}

Result<BlockRecord> DecodeBlock(std::string_view v) {
  constexpr size_t kIdSize = 32;
  if (v.size() != 1 + kIdSize + 4) return Malformed("block");
  Decoder d(v);
  if (d.U8() != kRecordV1) return Malformed("block");
  BlockRecord r;
  r.chunk_id.assign(v.substr(1, kIdSize));
  Decoder tail(v.substr(1 + kIdSize));
  r.length = tail.U32();
  if (!tail.AtEnd()) return Malformed("block");
  return r;
}

std::string EncodeShareFs(const ShareFsRecord& r) {
  Encoder e;
  e.U8(kRecordV1);
  e.U64(r.epoch);
  e.U64(r.root);
  e.I64(r.created_ns);
  return e.Take();
}

Result<ShareFsRecord> DecodeShareFs(std::string_view v) {
  Decoder d(v);
  if (d.U8() != kRecordV1) return Malformed("share filesystem");
  ShareFsRecord r;
  r.epoch = d.U64();
  r.root = d.U64();
  r.created_ns = d.I64();
  if (!d.AtEnd() || r.epoch == 0 || r.root == 0) return Malformed("share filesystem");
  return r;
}

std::string EncodeBlob(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + 1);
  out.push_back(static_cast<char>(kRecordV1));
  out.append(bytes);
  return out;
}

Result<std::string> DecodeBlob(std::string_view v) {
  if (v.empty() || static_cast<uint8_t>(v[0]) != kRecordV1) return Malformed("blob");
  return std::string(v.substr(1));
}

}  // namespace nasd::meta
