#include "nfs/record_marking.h"

#include <algorithm>

#include <fmt/format.h>

namespace nasd::nfs {

size_t RecordAssembler::Feed(std::string_view data) {
  size_t used = 0;
  while (used < data.size() && status_.ok() && !complete_) {
    if (!in_fragment_) {
      size_t n = std::min(4 - header_have_, data.size() - used);
      std::copy_n(data.data() + used, n, header_ + header_have_);
      header_have_ += n;
      used += n;
      if (header_have_ < 4) break;
      header_have_ = 0;
      const auto* h = reinterpret_cast<const unsigned char*>(header_);
      uint32_t word = (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | h[3];
      last_ = (word & kLastFragment) != 0;
      fragment_left_ = word & ~kLastFragment;
      if (fragment_left_ > max_record_ - record_.size()) {
        status_ = TooLarge(fmt::format("rpc record of more than {} bytes (fragment of {} after {})",
                                       max_record_, fragment_left_, record_.size()));
        break;
      }
      in_fragment_ = true;
      record_.reserve(record_.size() + fragment_left_);  // one allocation a fragment
    }
    size_t n = std::min(fragment_left_, data.size() - used);
    record_.append(data.data() + used, n);
    used += n;
    fragment_left_ -= n;
    if (fragment_left_ == 0) {
      in_fragment_ = false;
      if (last_) complete_ = true;
    }
  }
  return used;
}

std::span<char> RecordAssembler::DirectSpace(size_t min_direct) {
  if (!status_.ok() || complete_ || !in_fragment_ || fragment_left_ < min_direct || direct_ > 0) return {};
  direct_ = fragment_left_;
  const size_t at = record_.size();
  record_.resize(at + direct_);
  return {record_.data() + at, direct_};
}

void RecordAssembler::Filled(size_t n) {
  n = std::min(n, direct_);
  record_.resize(record_.size() - (direct_ - n));
  direct_ = 0;
  fragment_left_ -= n;
  if (fragment_left_ == 0) {
    in_fragment_ = false;
    if (last_) complete_ = true;
  }
}

std::optional<std::string> RecordAssembler::TakeRecord() {
  if (!complete_) return std::nullopt;
  complete_ = false;
  std::string out = std::move(record_);
  record_.clear();
  return out;
}

std::string FrameRecord(std::string_view record) {
  std::string out;
  out.reserve(record.size() + 4);
  uint32_t word = kLastFragment | static_cast<uint32_t>(record.size());
  out.push_back(static_cast<char>(word >> 24));
  out.push_back(static_cast<char>(word >> 16));
  out.push_back(static_cast<char>(word >> 8));
  out.push_back(static_cast<char>(word));
  out.append(record);
  return out;
}

}  // namespace nasd::nfs
