#include "meta/keys.h"

namespace nasd::meta::keys {

void AppendU64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

bool ReadU64(std::string_view in, uint64_t& v) {
  if (in.size() < 8) return false;
  v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return true;
}

std::string ShareKey(std::string_view name) {
  std::string k(kSharePrefix);
  k.append(name);
  return k;
}

std::string ShareDataPrefix(uint64_t share_id) {
  std::string k(kShareDataPrefix);
  AppendU64(k, share_id);
  return k;
}

std::string DirEntryPrefix(uint64_t share_id) {
  std::string k = ShareDataPrefix(share_id);
  k.push_back(kDirEntryTag);
  return k;
}

std::string DirEntryKey(uint64_t share_id, uint64_t parent_inode, std::string_view name) {
  std::string k = DirEntryPrefix(share_id);
  AppendU64(k, parent_inode);
  k.append(name);
  return k;
}

}  // namespace nasd::meta::keys
