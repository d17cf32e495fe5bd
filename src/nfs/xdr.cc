#include "nfs/xdr.h"

#include <fmt/format.h>

namespace nasd::nfs {

bool XdrReader::Need(size_t n, std::string_view what) {
  if (!ok()) return false;
  if (n > remaining()) {
    Fail(fmt::format("truncated {}: need {} bytes, {} left", what, n, remaining()));
    return false;
  }
  return true;
}

void XdrReader::Fail(std::string_view what) {
  if (!ok()) return;  // the first failure is the interesting one
  error_ = fmt::format("xdr: {} at offset {}", what, pos_);
}

Status XdrReader::status() const {
  if (ok()) return Status::Ok();
  return InvalidArgument(error_);
}

uint32_t XdrReader::U32() {
  if (!Need(4, "uint32")) return 0;
  const auto* p = reinterpret_cast<const unsigned char*>(data_.data() + pos_);
  pos_ += 4;
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

uint64_t XdrReader::U64() {
  if (!Need(8, "uint64")) return 0;
  uint64_t hi = U32();
  return (hi << 32) | U32();
}

bool XdrReader::Bool() {
  uint32_t v = U32();
  if (v > 1) {
    pos_ -= 4;
    Fail(fmt::format("bool value {}", v));
    return false;
  }
  return v == 1;
}

std::string_view XdrReader::Opaque(size_t max) {
  size_t start = pos_;
  uint32_t len = U32();
  if (!ok()) return {};
  if (len > max) {
    pos_ = start;
    Fail(fmt::format("opaque length {} exceeds {}", len, max));
    return {};
  }
  return FixedOpaque(len);
}

std::string_view XdrReader::FixedOpaque(size_t n) {
  // n + padding cannot overflow: n is at most 2^32 - 1 and size_t is 64-bit.
  size_t padded = n + XdrPad(n);
  if (!Need(padded, "opaque")) return {};
  std::string_view v = data_.substr(pos_, n);
  pos_ += padded;
  return v;
}

std::string XdrMessage::Flatten() && {
  if (tail.empty()) return std::move(head);
  std::string out = std::move(head);
  out.reserve(out.size() + tail_size + 3);
  for (const SharedBytes& piece : tail) out.append(piece.bytes);
  out.append(XdrPad(tail_size), '\0');
  return out;
}

void XdrWriter::U32(uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  out_.append(b, 4);
}

void XdrWriter::U64(uint64_t v) {
  U32(static_cast<uint32_t>(v >> 32));
  U32(static_cast<uint32_t>(v));
}

void XdrWriter::Opaque(std::string_view v) {
  U32(static_cast<uint32_t>(v.size()));
  FixedOpaque(v);
}

void XdrWriter::FixedOpaque(std::string_view v) {
  out_.append(v);
  out_.append(XdrPad(v.size()), '\0');
}

void XdrWriter::OpaqueTail(std::string v) {
  auto owned = std::make_shared<const std::string>(std::move(v));
  std::vector<SharedBytes> pieces;
  if (!owned->empty()) pieces.push_back({owned, std::string_view(*owned)});
  OpaqueTail(std::move(pieces));
}

void XdrWriter::OpaqueTail(std::vector<SharedBytes> pieces) {
  size_t n = 0;
  for (const SharedBytes& piece : pieces) n += piece.bytes.size();
  U32(static_cast<uint32_t>(n));
  tail_ = std::move(pieces);
  tail_size_ = n;
}

std::string& XdrWriter::buffer() {
  if (!tail_.empty()) {
    out_ = XdrMessage{std::move(out_), std::move(tail_), tail_size_}.Flatten();
    tail_.clear();
    tail_size_ = 0;
  }
  return out_;
}

size_t XdrWriter::Reserve() {
  size_t at = out_.size();
  U32(0);
  return at;
}

void XdrWriter::Patch(size_t at, uint32_t v) {
  out_[at] = static_cast<char>(v >> 24);
  out_[at + 1] = static_cast<char>(v >> 16);
  out_[at + 2] = static_cast<char>(v >> 8);
  out_[at + 3] = static_cast<char>(v);
}

}  // namespace nasd::nfs
