// The vfs operations, one file each (lookup.cc, mkdir.cc, ...), all on
// OpContext. vfs::Filesystem (filesystem.h) is their public face and states
// their contracts; these are its implementation.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vfs/data/block_cache.h"
#include "vfs/data/file_data.h"
#include "vfs/ops/op_context.h"
#include "vfs/path_read.h"

namespace nasd::vfs::ops {

Result<Attr> Lookup(OpContext& ctx, const Caller& caller, uint64_t parent, std::string_view name);
// Before looking up name in directory parent: whether the walk stops there
// (the name belongs to someone else, e.g. a snapshot view).
using PathStop = std::function<bool(uint64_t parent, std::string_view name)>;
// Looks up names[0] in dir, names[1] in what it found, ... in one read
// transaction, appending each entry found to *found. Stops early, with ok,
// before an entry stop claims; the status is that of the first lookup that
// failed (*found then holds the entries before it). read, if given, gets
// the plan of the bytes read->want picks of a path that ends at a file, from
// the same snapshot, when no buffered write to it completed before the
// snapshot without being in it (WriteBack::CleanSince); read->plan is left
// empty otherwise, and MapRead is the way to the bytes.
Status LookupPath(OpContext& ctx, const Caller& caller, uint64_t dir,
                  std::span<const std::string> names, const PathStop& stop,
                  std::vector<Attr>* found, PathRead* read = nullptr);
Result<Attr> GetAttr(OpContext& ctx, uint64_t ino);
Status Access(OpContext& ctx, const Caller& caller, uint64_t ino, int mask);
Result<Attr> SetAttr(OpContext& ctx, const Caller& caller, uint64_t ino, const SetAttrRequest& req,
                     Attr* before = nullptr);

// The common body of Create, Mkdir and Symlink.
struct NodeSpec {
  FileType type = FileType::kRegular;
  uint32_t mode = 0;
  std::string_view target;  // symlinks
  bool exclusive = true;    // regular files: false returns an existing file
};
Result<CreateResult> MakeNode(OpContext& ctx, const Caller& caller, uint64_t parent,
                              std::string_view name, const NodeSpec& spec);
Result<CreateResult> Create(OpContext& ctx, const Caller& caller, uint64_t parent,
                            std::string_view name, uint32_t mode, bool exclusive);
Result<Attr> Mkdir(OpContext& ctx, const Caller& caller, uint64_t parent, std::string_view name,
                   uint32_t mode);
Result<Attr> Symlink(OpContext& ctx, const Caller& caller, uint64_t parent, std::string_view name,
                     std::string_view target);
Result<std::string> ReadLink(OpContext& ctx, uint64_t ino);
Result<Attr> Link(OpContext& ctx, const Caller& caller, uint64_t ino, uint64_t new_parent,
                  std::string_view new_name);
Status Unlink(OpContext& ctx, const Caller& caller, uint64_t parent, std::string_view name);
Status Rmdir(OpContext& ctx, const Caller& caller, uint64_t parent, std::string_view name);
Status Rename(OpContext& ctx, const Caller& caller, uint64_t old_parent, std::string_view old_name,
              uint64_t new_parent, std::string_view new_name, unsigned flags);
Result<DirPage> ReadDir(OpContext& ctx, const Caller& caller, uint64_t ino, uint64_t cookie,
                        size_t max_entries);

Result<Attr> Open(OpContext& ctx, const Caller& caller, uint64_t ino, OpenFlags flags);
Result<std::string> Read(OpContext& ctx, uint64_t ino, uint64_t offset, uint64_t length);
// nowait: kWouldBlock instead of waiting for a flush or the chunk store.
Result<data::ReadBuffers> ReadShared(OpContext& ctx, uint64_t ino, uint64_t offset, uint64_t length,
                                     bool nowait = false);
Result<data::ReadPlan> MapRead(OpContext& ctx, uint64_t ino, uint64_t offset, uint64_t length);
// nowait: kWouldBlock instead of waiting for the file's lock, the chunk
// store or the write budget (nothing is written then).
Result<Attr> Write(OpContext& ctx, const Caller& caller, uint64_t ino, uint64_t offset,
                   std::string_view data, Attr* before = nullptr, bool nowait = false);

// Buffered data (write_back.h). Flush commits ino's buffered writes.
Status Flush(OpContext& ctx, uint64_t ino);
Result<Attr> CreateTemp(OpContext& ctx, const Caller& caller, const Attr& parent, uint32_t mode);
Result<Attr> PublishTemp(OpContext& ctx, const Caller& caller, uint64_t tmp, uint64_t parent,
                         std::string_view name);
Status DropTemp(OpContext& ctx, uint64_t tmp);
// attr with the file's buffered writes applied (size, times, setuid).
Attr OverlayAttr(OpContext& ctx, Attr attr);

// Shared by the data operations (write.cc, flush.cc, read.cc, temp_file.cc).
// ino's DirtyFile, created if needed, locked by lock. wait false: null
// instead of waiting while another thread holds it.
std::shared_ptr<DirtyFile> LockDirty(WriteBack& wb, uint64_t ino, std::unique_lock<std::mutex>& lock,
                                     bool wait = true);
Status FlushLocked(OpContext& ctx, uint64_t ino, DirtyFile& df) REQUIRES(df.mu);
// The two halves of a flush, for operations that commit a file's buffered
// writes in their own transaction (setattr.cc): CommitBuffered, inside txn,
// writes df's buffers (stored first: writes.Drain) into ino's block map and
// returns rec with them applied; ForgetBuffered, once txn has committed,
// empties df.
Result<InodeRecord> CommitBuffered(OpContext& ctx, ShareTxn& txn, uint64_t ino, const DirtyFile& df,
                                   InodeRecord rec) REQUIRES(df.mu);
void ForgetBuffered(OpContext& ctx, uint64_t ino, DirtyFile& df) REQUIRES(df.mu);
// Frees df's memory: flushes a file, stores a temp file's partial blocks.
Status Spill(OpContext& ctx, uint64_t ino, DirtyFile& df) REQUIRES(df.mu);
InodeRecord OverlayRecord(const DirtyFile& df, InodeRecord rec);
// kIsDirectory / kInvalidArgument unless rec is a regular file.
Status CheckRegular(uint64_t ino, const InodeRecord& rec);

Result<std::string> GetXattr(OpContext& ctx, const Caller& caller, uint64_t ino,
                             std::string_view name);
Status SetXattr(OpContext& ctx, const Caller& caller, uint64_t ino, std::string_view name,
                std::string_view value, int flags);
Result<std::vector<std::string>> ListXattr(OpContext& ctx, const Caller& caller, uint64_t ino);
Status RemoveXattr(OpContext& ctx, const Caller& caller, uint64_t ino, std::string_view name);

}  // namespace nasd::vfs::ops
