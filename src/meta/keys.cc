#include "meta/keys.h"

#include <sodium.h>

#include <cstdlib>

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

std::string UserKey(std::string_view name) {
  std::string k(kUserPrefix);
  k.append(name);
  return k;
}

std::string GrantPrefix(uint64_t share_id) {
  std::string k(kGrantPrefix);
  AppendU64(k, share_id);
  return k;
}

std::string GrantKey(uint64_t share_id, std::string_view user) {
  std::string k = GrantPrefix(share_id);
  k.append(user);
  return k;
}

bool SplitGrantKey(std::string_view key, uint64_t& share_id, std::string_view& user) {
  if (key.size() <= kGrantPrefix.size() + 8 || key.substr(0, kGrantPrefix.size()) != kGrantPrefix) return false;
  if (!ReadU64(key.substr(kGrantPrefix.size()), share_id)) return false;
  user = key.substr(kGrantPrefix.size() + 8);
  return true;
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

std::string VersionSuffix(uint64_t epoch) {
  std::string out;
  AppendU64(out, ~epoch);
  return out;
}

std::string VersionedKey(std::string_view base, uint64_t epoch) {
  std::string k(base);
  AppendU64(k, ~epoch);
  return k;
}

bool SplitVersionedKey(std::string_view key, std::string_view& base, uint64_t& epoch) {
  if (key.size() < kVersionSuffixSize) return false;
  base = key.substr(0, key.size() - kVersionSuffixSize);
  uint64_t inverted = 0;
  ReadU64(key.substr(base.size()), inverted);
  epoch = ~inverted;
  return true;
}

std::string DirPrefix(uint64_t share_id, uint64_t parent_inode) {
  std::string k = DirEntryPrefix(share_id);
  AppendU64(k, parent_inode);
  return k;
}

uint64_t NameHash(std::string_view name) {
  // The key is fixed (part of the on-disk format), so anyone can compute it:
  // a chosen collision is possible, which costs nothing but a readdir page
  // that cannot end between the colliding names (ShareTxn::ListEntries).
  static const unsigned char kKey[crypto_shorthash_KEYBYTES] = {
      'n', 'a', 's', 'd', '-', 'd', 'i', 'r', 'e', 'n', 't', '-', 'v', '1', 0, 0};
  static const int init = sodium_init();  // thread-safe and idempotent
  if (init < 0) std::abort();
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, reinterpret_cast<const unsigned char*>(name.data()), name.size(), kKey);
  uint64_t h = 0;
  for (unsigned char b : out) h = (h << 8) | b;
  h >>= 1;
  return h < kFirstNameCookie ? kFirstNameCookie : h;
}

std::string DirEntryBase(uint64_t share_id, uint64_t parent_inode, std::string_view name) {
  std::string k = DirPrefix(share_id, parent_inode);
  AppendU64(k, NameHash(name));
  k.append(name);
  k.push_back('\0');
  return k;
}

std::string DirEntryKey(uint64_t share_id, uint64_t parent_inode, std::string_view name,
                        uint64_t epoch) {
  return VersionedKey(DirEntryBase(share_id, parent_inode, name), epoch);
}

namespace {
std::string Tagged(uint64_t share_id, char tag) {
  std::string k = ShareDataPrefix(share_id);
  k.push_back(tag);
  return k;
}
std::string TaggedIno(uint64_t share_id, char tag, uint64_t ino) {
  std::string k = Tagged(share_id, tag);
  AppendU64(k, ino);
  return k;
}
}  // namespace

std::string ShareFsKey(uint64_t share_id) { return Tagged(share_id, kShareFsTag); }
std::string InodeAllocKey(uint64_t share_id) { return Tagged(share_id, kInodeAllocTag); }
std::string InodeBase(uint64_t share_id, uint64_t ino) {
  return TaggedIno(share_id, kInodeTag, ino);
}
std::string InlineDataBase(uint64_t share_id, uint64_t ino) {
  return TaggedIno(share_id, kInlineDataTag, ino);
}
std::string SymlinkBase(uint64_t share_id, uint64_t ino) {
  return TaggedIno(share_id, kSymlinkTag, ino);
}

std::string DirTimesBase(uint64_t share_id, uint64_t ino) {
  return TaggedIno(share_id, kDirTimesTag, ino);
}

std::string XattrPrefix(uint64_t share_id, uint64_t ino) {
  return TaggedIno(share_id, kXattrTag, ino);
}
std::string XattrBase(uint64_t share_id, uint64_t ino, std::string_view name) {
  std::string k = XattrPrefix(share_id, ino);
  k.append(name);
  k.push_back('\0');
  return k;
}

std::string BlockPrefix(uint64_t share_id, uint64_t ino) {
  return TaggedIno(share_id, kBlockTag, ino);
}

std::string BlockBase(uint64_t share_id, uint64_t ino, uint64_t block) {
  std::string k = BlockPrefix(share_id, ino);
  AppendU64(k, block);
  return k;
}

std::string ChunkRefKey(std::string_view chunk_id) {
  std::string k(kChunkRefPrefix);
  k.append(chunk_id);
  return k;
}

std::string ZeroRefKey(std::string_view chunk_id) {
  std::string k(kZeroRefPrefix);
  k.append(chunk_id);
  return k;
}

std::string SnapshotPrefix(uint64_t share_id) { return Tagged(share_id, kSnapshotTag); }

std::string SnapshotKey(uint64_t share_id, std::string_view name) {
  std::string k = SnapshotPrefix(share_id);
  k.append(name);
  return k;
}

std::string PrunePendingKey(uint64_t share_id) { return Tagged(share_id, kPrunePendingTag); }

std::string ScheduleKey(uint64_t share_id) { return Tagged(share_id, kScheduleTag); }

std::string OrphanKey(uint64_t share_id, uint64_t ino) {
  std::string k = Tagged(share_id, kOrphanTag);
  AppendU64(k, ino);
  return k;
}

std::string TagPrefix(uint64_t share_id, char tag) { return Tagged(share_id, tag); }

}  // namespace nasd::meta::keys
