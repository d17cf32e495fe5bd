// ONC RPC record marking over TCP (RFC 5531 section 11): a record is one or
// more fragments, each preceded by a 4-byte header whose top bit marks the
// last fragment and whose low 31 bits give the fragment's length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace nasd::nfs {

inline constexpr uint32_t kLastFragment = 0x80000000u;

// Reassembles records from a byte stream fed in arbitrary pieces.
//
// A record whose fragments add up to more than max_record bytes fails the
// assembler (kTooLarge) as soon as the offending header arrives, before any
// of its bytes are buffered, so a hostile length costs no memory. A failed
// assembler stays failed: the connection must be closed. Not thread-safe.
class RecordAssembler {
 public:
  explicit RecordAssembler(size_t max_record) : max_record_(max_record) {}

  // Consumes bytes from data and returns how many were used: it stops after
  // completing a record (take it with TakeRecord before feeding more).
  size_t Feed(std::string_view data);
  // The completed record, if one is waiting.
  std::optional<std::string> TakeRecord();

  // Inside a fragment of at least min_direct bytes still to come: room in
  // the record for exactly those bytes, so a reader can receive the bulk of
  // a large call (a 1 MiB WRITE) in place instead of through Feed's copy;
  // empty otherwise. Follow with Filled(n) for the n bytes written there.
  std::span<char> DirectSpace(size_t min_direct);
  void Filled(size_t n);

  const Status& status() const { return status_; }
  // True between records: no partial header or fragment is buffered.
  bool idle() const { return header_have_ == 0 && !in_fragment_ && record_.empty() && !complete_; }

 private:
  const size_t max_record_;
  Status status_;
  char header_[4] = {};
  size_t header_have_ = 0;
  bool in_fragment_ = false;
  bool last_ = false;
  size_t fragment_left_ = 0;
  std::string record_;
  size_t direct_ = 0;  // bytes handed out by DirectSpace, not yet Filled
  bool complete_ = false;
};

// The record as it goes on the wire: one fragment (replies are bounded, so
// one fragment always suffices).
std::string FrameRecord(std::string_view record);

}  // namespace nasd::nfs
