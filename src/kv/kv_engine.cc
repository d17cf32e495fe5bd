#include "kv/kv_engine.h"

namespace nasd::kv {

Range Range::Prefix(std::string_view prefix) {
  Range range;
  range.begin = std::string(prefix);
  // The smallest key greater than every key that starts with prefix: drop the
  // trailing 0xFF bytes (they cannot be incremented) and increment the last
  // remaining byte. Nothing left means no such key: the range is unbounded.
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xFF) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  range.end = std::move(end);
  return range;
}

void WriteBatch::Put(std::string_view key, std::string_view value) {
  ops_.push_back(Op{false, std::string(key), std::string(value)});
}

void WriteBatch::Delete(std::string_view key) {
  ops_.push_back(Op{true, std::string(key), std::string()});
}

}  // namespace nasd::kv
