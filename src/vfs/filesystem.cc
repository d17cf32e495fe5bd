#include "vfs/filesystem.h"

#include <chrono>

#include "meta/share_fs.h"
#include "meta/share_store.h"
#include "vfs/ops/ops.h"

namespace nasd::vfs {
namespace {

int64_t SystemNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<Filesystem>> Filesystem::Open(kv::KvEngine& kv, chunk::ChunkStore& chunks,
                                                     std::string_view share_name,
                                                     FilesystemOptions options) {
  meta::ShareStore shares(kv);
  NASD_ASSIGN_OR_RETURN(meta::ShareInfo share, shares.Get(share_name));
  return OpenById(kv, chunks, share.id, std::move(options));
}

Result<std::unique_ptr<Filesystem>> Filesystem::OpenById(kv::KvEngine& kv,
                                                         chunk::ChunkStore& chunks,
                                                         uint64_t share_id,
                                                         FilesystemOptions options) {
  if (!options.clock) options.clock = SystemNowNs;
  NASD_ASSIGN_OR_RETURN(meta::ShareFsRecord fs, meta::EnsureShareFs(kv, share_id, options.clock()));
  return std::unique_ptr<Filesystem>(
      new Filesystem(kv, chunks, share_id, fs.root, std::move(options)));
}

Filesystem::Filesystem(kv::KvEngine& kv, chunk::ChunkStore& chunks, uint64_t share_id,
                       uint64_t root, FilesystemOptions options)
    : chunks_(chunks),
      share_id_(share_id),
      root_(root),
      inodes_(kv, share_id, options.inode_batch),
      ctx_{kv, share_id, inodes_, std::move(options.clock), options.retry} {}

Result<Attr> Filesystem::Lookup(const Caller& c, uint64_t parent, std::string_view name) {
  return ops::Lookup(ctx_, c, parent, name);
}
Result<Attr> Filesystem::GetAttr(uint64_t ino) { return ops::GetAttr(ctx_, ino); }
Status Filesystem::Access(const Caller& c, uint64_t ino, int mask) {
  return ops::Access(ctx_, c, ino, mask);
}
Result<Attr> Filesystem::SetAttr(const Caller& c, uint64_t ino, const SetAttrRequest& req) {
  return ops::SetAttr(ctx_, c, ino, req);
}
Result<CreateResult> Filesystem::Create(const Caller& c, uint64_t parent, std::string_view name,
                                        uint32_t mode, bool exclusive) {
  return ops::Create(ctx_, c, parent, name, mode, exclusive);
}
Result<Attr> Filesystem::Mkdir(const Caller& c, uint64_t parent, std::string_view name,
                               uint32_t mode) {
  return ops::Mkdir(ctx_, c, parent, name, mode);
}
Result<Attr> Filesystem::Symlink(const Caller& c, uint64_t parent, std::string_view name,
                                 std::string_view target) {
  return ops::Symlink(ctx_, c, parent, name, target);
}
Result<std::string> Filesystem::ReadLink(uint64_t ino) { return ops::ReadLink(ctx_, ino); }
Result<Attr> Filesystem::Link(const Caller& c, uint64_t ino, uint64_t new_parent,
                              std::string_view new_name) {
  return ops::Link(ctx_, c, ino, new_parent, new_name);
}
Status Filesystem::Unlink(const Caller& c, uint64_t parent, std::string_view name) {
  return ops::Unlink(ctx_, c, parent, name);
}
Status Filesystem::Rmdir(const Caller& c, uint64_t parent, std::string_view name) {
  return ops::Rmdir(ctx_, c, parent, name);
}
Status Filesystem::Rename(const Caller& c, uint64_t old_parent, std::string_view old_name,
                          uint64_t new_parent, std::string_view new_name, unsigned flags) {
  return ops::Rename(ctx_, c, old_parent, old_name, new_parent, new_name, flags);
}
Result<DirPage> Filesystem::ReadDir(const Caller& c, uint64_t ino, std::string_view cookie,
                                    size_t max_entries) {
  return ops::ReadDir(ctx_, c, ino, cookie, max_entries);
}
Result<Attr> Filesystem::OpenFile(const Caller& c, uint64_t ino, OpenFlags flags) {
  return ops::Open(ctx_, c, ino, flags);
}
Result<std::string> Filesystem::Read(uint64_t ino, uint64_t offset, uint64_t length) {
  return ops::Read(ctx_, ino, offset, length);
}
Result<Attr> Filesystem::Write(const Caller& c, uint64_t ino, uint64_t offset,
                               std::string_view data) {
  return ops::Write(ctx_, c, ino, offset, data);
}
Result<std::string> Filesystem::GetXattr(const Caller& c, uint64_t ino, std::string_view name) {
  return ops::GetXattr(ctx_, c, ino, name);
}
Status Filesystem::SetXattr(const Caller& c, uint64_t ino, std::string_view name,
                            std::string_view value, int flags) {
  return ops::SetXattr(ctx_, c, ino, name, value, flags);
}
Result<std::vector<std::string>> Filesystem::ListXattr(const Caller& c, uint64_t ino) {
  return ops::ListXattr(ctx_, c, ino);
}
Status Filesystem::RemoveXattr(const Caller& c, uint64_t ino, std::string_view name) {
  return ops::RemoveXattr(ctx_, c, ino, name);
}

}  // namespace nasd::vfs
