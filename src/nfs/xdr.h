// XDR (RFC 4506) encoding and decoding: big-endian 32-bit units, opaque and
// string data padded to a multiple of four bytes.
//
// XdrReader never reads past its buffer. A failed read (truncated input, a
// length above the caller's limit) makes the reader fail: the read returns
// zero/empty, every later read fails too, and error() says what went wrong
// ("xdr: opaque length 5000 exceeds 4096 at offset 12"). Decoders read a
// whole message and check ok() once at the end, so no malformed input can
// produce a partially trusted value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/shared_bytes.h"
#include "common/status.h"

namespace nasd::nfs {

// Bytes of padding after n bytes of opaque data.
inline size_t XdrPad(size_t n) { return (4 - (n & 3)) & 3; }

class XdrReader {
 public:
  explicit XdrReader(std::string_view data) : data_(data) {}

  uint32_t U32();
  int32_t I32() { return static_cast<int32_t>(U32()); }
  uint64_t U64();
  // XDR bool: 0 or 1; anything else is malformed.
  bool Bool();
  // Variable-length opaque<max> / string<max>; the view points into the buffer.
  std::string_view Opaque(size_t max);
  // Fixed-length opaque[n].
  std::string_view FixedOpaque(size_t n);

  bool ok() const { return error_.empty(); }
  // kInvalidArgument with the first failure's description; ok while ok().
  Status status() const;
  size_t offset() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  // Everything not yet read.
  std::string_view rest() const { return data_.substr(pos_); }

  // Marks the reader failed with a decoder's own complaint (an enum out of range).
  void Fail(std::string_view what);

 private:
  bool Need(size_t n, std::string_view what);

  std::string_view data_;
  size_t pos_ = 0;
  std::string error_;
};

// An encoded message in two parts, so that bulk data (READ's) is never copied
// into the encoded header: on the wire it is head, then the tail's pieces,
// then the tail's XDR padding. tail is empty for most messages.
struct XdrMessage {
  std::string head;
  std::vector<SharedBytes> tail;
  size_t tail_size = 0;  // bytes in tail

  size_t size() const { return head.size() + tail_size + XdrPad(tail_size); }
  // The message as one string (copies tail; for tests and small replies).
  std::string Flatten() &&;
};

// Appends XDR to a string. Writers cannot fail.
class XdrWriter {
 public:
  XdrWriter() = default;

  void U32(uint32_t v);
  void I32(int32_t v) { U32(static_cast<uint32_t>(v)); }
  void U64(uint64_t v);
  void Bool(bool v) { U32(v ? 1 : 0); }
  void Opaque(std::string_view v);       // length, bytes, padding
  void FixedOpaque(std::string_view v);  // bytes, padding
  // Variable-length opaque as the message's last item, without copying it:
  // the length is encoded, the bytes are kept as the tail of TakeMessage()
  // (Take() and buffer() include them only after a copy). Nothing may be
  // written after it.
  void OpaqueTail(std::string v);
  // The same for bytes in pieces others own (e.g. cached file data).
  void OpaqueTail(std::vector<SharedBytes> pieces);
  // Reserves a 32-bit slot to be filled later with Patch (e.g. a count or a
  // status known only after the body is written); returns its offset.
  size_t Reserve();
  void Patch(size_t at, uint32_t v);

  size_t size() const { return out_.size() + tail_size_ + XdrPad(tail_size_); }
  // The encoded bytes; a tail is folded in first.
  std::string& buffer();
  std::string Take() { return std::move(buffer()); }
  XdrMessage TakeMessage() { return XdrMessage{std::move(out_), std::move(tail_), tail_size_}; }

 private:
  std::string out_;
  std::vector<SharedBytes> tail_;  // OpaqueTail's bytes, sent after out_ and padded
  size_t tail_size_ = 0;
};

}  // namespace nasd::nfs
