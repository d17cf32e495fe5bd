#include "nfs/file_handle.h"

#include <fmt/format.h>

#include "nfs/xdr.h"

namespace nasd::nfs {
namespace {

constexpr uint32_t kMagicV1 = 0x4E534401;  // "NSD" 1

uint32_t Fnv1a(std::string_view bytes) {
  uint32_t h = 2166136261u;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

}  // namespace

std::string FileHandle::Encode() const {
  XdrWriter w;
  w.U32(kMagicV1);
  w.U64(share_id);
  w.U64(view);
  w.U64(ino);
  w.U64(generation);
  w.U32(Fnv1a(w.buffer()));
  return w.Take();
}

Result<FileHandle> FileHandle::Decode(std::string_view bytes) {
  if (bytes.size() != kFileHandleSize) {
    return InvalidArgument(fmt::format("file handle of {} bytes (want {})", bytes.size(), kFileHandleSize));
  }
  XdrReader r(bytes);
  if (r.U32() != kMagicV1) return InvalidArgument("file handle: unknown magic or version");
  FileHandle fh;
  fh.share_id = r.U64();
  fh.view = r.U64();
  fh.ino = r.U64();
  fh.generation = r.U64();
  uint32_t sum = r.U32();
  if (!r.ok()) return r.status();
  if (sum != Fnv1a(bytes.substr(0, kFileHandleSize - 4))) return InvalidArgument("file handle: bad checksum");
  return fh;
}

}  // namespace nasd::nfs
