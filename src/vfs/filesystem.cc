#include "vfs/filesystem.h"

#include <chrono>
#include <limits>

#include "meta/share_fs.h"
#include "meta/share_store.h"
#include "vfs/ops/ops.h"
#include "vfs/data/layout.h"
#include "common/logging.h"

#include <fmt/format.h>

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
  if (options.block_size < data::kMinBlockSize || options.block_size > data::kMaxBlockSize) {
    return InvalidArgument(fmt::format("block size {} is outside {}..{}", options.block_size,
                                       data::kMinBlockSize, data::kMaxBlockSize));
  }
  NASD_ASSIGN_OR_RETURN(meta::ShareFsRecord fs, meta::EnsureShareFs(kv, share_id, options.clock()));
  std::shared_ptr<DirtyBudget> budget = options.dirty_budget;
  if (!budget) budget = std::make_shared<DirtyBudget>(256ULL << 20);
  if (!options.cache) {
    options.cache = std::make_shared<data::BlockCache>(
        chunks, data::BlockCacheOptions{.capacity_bytes = 64ULL << 20});
  }
  std::unique_ptr<Filesystem> out(
      new Filesystem(kv, chunks, share_id, fs.root, std::move(options), std::move(budget)));
  NASD_RETURN_IF_ERROR(out->EraseStartupOrphans());
  return out;
}

Filesystem::Filesystem(kv::KvEngine& kv, chunk::ChunkStore& chunks, uint64_t share_id,
                       uint64_t root, FilesystemOptions options,
                       std::shared_ptr<DirtyBudget> budget)
    : share_id_(share_id),
      root_(root),
      list_snapshots_(options.list_snapshots),
      flush_after_(options.flush_after),
      space_(std::move(options.space)),
      inodes_(kv, share_id, options.inode_batch),
      cache_(std::move(options.cache)),
      writeback_(options.block_size, std::move(budget), options.write_uploads),
      paths_(options.path_cache_bytes),
      ctx_{kv,
           share_id,
           inodes_,
           std::move(options.clock),
           options.retry,
           chunks,
           options.block_size,
           *cache_,
           writeback_,
           options.readahead_blocks,
           sequential_},
      views_(std::make_unique<SnapshotViews>(ctx_, root)) {
  ctx_.open_files = &open_files_;
  ctx_.paths = &paths_;
  flusher_ = std::thread([this] { FlusherLoop(); });
}

Filesystem::~Filesystem() {
  {
    std::lock_guard lock(flusher_mu_);
    stopping_ = true;
  }
  flusher_cv_.notify_all();
  flusher_.join();
  (void)FlushAged(/*all=*/true);
}

void Filesystem::FlusherLoop() {
  std::unique_lock lock(flusher_mu_);
  while (!stopping_) {
    flusher_cv_.wait_for(lock, std::chrono::milliseconds(100));
    if (stopping_) break;
    lock.unlock();
    (void)FlushAged(writeback_.budget().Over());
    lock.lock();
  }
}

Status Filesystem::FlushAll() { return FlushAged(/*all=*/true); }

Status Filesystem::FlushAged(bool all) {
  Status first;
  const auto now = std::chrono::steady_clock::now();
  for (uint64_t ino : writeback_.Inodes()) {
    std::shared_ptr<DirtyFile> df = writeback_.Find(ino);
    if (!df) continue;
    std::lock_guard lock(df->mu);
    if (df->removed) continue;
    // A temp file's bytes can only be stored, not committed, before it is
    // published; that is worth it only to free memory.
    if (df->temp && !writeback_.budget().Over()) continue;
    if (!all && !df->writes.empty() && now - df->since < flush_after_) continue;
    Status st = df->temp ? ops::Spill(ctx_, ino, *df) : ops::FlushLocked(ctx_, ino, *df);
    if (!st.ok()) {
      log::Warn("vfs.flush_failed").Int("share", share_id_).Int("ino", ino).Str("error", st.ToString());
      if (first.ok()) first = st;
    }
  }
  return first;
}

Result<Attr> Filesystem::Lookup(const Caller& c, uint64_t parent, std::string_view name) {
  if (views_->Owns(parent, name)) return views_->Lookup(c, parent, name);
  NASD_ASSIGN_OR_RETURN(Attr a, ops::Lookup(ctx_, c, parent, name));
  return ops::OverlayAttr(ctx_, a);
}
Status Filesystem::LookupPath(const Caller& c, uint64_t dir, std::span<const std::string> names,
                              std::vector<Attr>* found, PathRead* read) {
  found->clear();
  if (read != nullptr) read->plan.reset();
  if (!IsViewIno(dir)) {
    const Status st = ops::LookupPath(
        ctx_, c, dir, names,
        [this](uint64_t parent, std::string_view name) { return views_->Owns(parent, name); },
        found, read);
    for (Attr& a : *found) a = ops::OverlayAttr(ctx_, a);
    NASD_RETURN_IF_ERROR(st);
  }
  // The rest lies in a snapshot view: one Lookup a name.
  for (size_t i = found->size(); i < names.size(); ++i) {
    NASD_ASSIGN_OR_RETURN(Attr a, Lookup(c, found->empty() ? dir : found->back().ino, names[i]));
    found->push_back(a);
  }
  return Status::Ok();
}
Result<Attr> Filesystem::GetAttr(uint64_t ino) {
  if (IsViewIno(ino)) return views_->GetAttr(ino);
  NASD_ASSIGN_OR_RETURN(Attr a, ops::GetAttr(ctx_, ino));
  return ops::OverlayAttr(ctx_, a);
}
Status Filesystem::Access(const Caller& c, uint64_t ino, int mask) {
  if (IsViewIno(ino)) return views_->Access(c, ino, mask);
  return ops::Access(ctx_, c, ino, mask);
}
Status Filesystem::AccessOf(const Caller& c, const Attr& attr, int mask) {
  if ((mask & ~(kAccessRead | kAccessExec)) != 0) return InvalidArgument("AccessOf checks read and execute only");
  return CheckAccess(c, AccessRecord(attr), mask);
}
Result<Attr> Filesystem::SetAttr(const Caller& c, uint64_t ino, const SetAttrRequest& req,
                                 Attr* before) {
  NASD_RETURN_IF_ERROR(views_->CheckWritable(ino));
  // Buffered writes are committed with the new attributes (setattr.cc).
  NASD_ASSIGN_OR_RETURN(Attr a, ops::SetAttr(ctx_, c, ino, req, before));
  InodeChanged(ino);
  return a;
}
Result<CreateResult> Filesystem::Create(const Caller& c, uint64_t parent, std::string_view name,
                                        uint32_t mode, bool exclusive) {
  NASD_RETURN_IF_ERROR(views_->CheckNewName(parent, name));
  NASD_ASSIGN_OR_RETURN(CreateResult r, ops::Create(ctx_, c, parent, name, mode, exclusive));
  if (r.created) EntryChanged(parent, name);
  r.attr = ops::OverlayAttr(ctx_, r.attr);
  return r;
}
Result<Attr> Filesystem::Mkdir(const Caller& c, uint64_t parent, std::string_view name,
                               uint32_t mode) {
  NASD_RETURN_IF_ERROR(views_->CheckNewName(parent, name));
  NASD_ASSIGN_OR_RETURN(Attr a, ops::Mkdir(ctx_, c, parent, name, mode));
  EntryChanged(parent, name);
  return a;
}
Result<Attr> Filesystem::Symlink(const Caller& c, uint64_t parent, std::string_view name,
                                 std::string_view target) {
  NASD_RETURN_IF_ERROR(views_->CheckNewName(parent, name));
  NASD_ASSIGN_OR_RETURN(Attr a, ops::Symlink(ctx_, c, parent, name, target));
  EntryChanged(parent, name);
  return a;
}
Result<std::string> Filesystem::ReadLink(uint64_t ino) {
  if (IsViewIno(ino)) return views_->ReadLink(ino);
  return ops::ReadLink(ctx_, ino);
}
Result<Attr> Filesystem::Link(const Caller& c, uint64_t ino, uint64_t new_parent,
                              std::string_view new_name) {
  NASD_RETURN_IF_ERROR(views_->CheckWritable(ino));
  NASD_RETURN_IF_ERROR(views_->CheckNewName(new_parent, new_name));
  NASD_ASSIGN_OR_RETURN(Attr a, ops::Link(ctx_, c, ino, new_parent, new_name));
  EntryChanged(new_parent, new_name);
  InodeChanged(ino);  // nlink, ctime
  return ops::OverlayAttr(ctx_, a);
}
Status Filesystem::Unlink(const Caller& c, uint64_t parent, std::string_view name) {
  NASD_RETURN_IF_ERROR(views_->CheckOldName(parent, name));
  Status st = ops::Unlink(ctx_, c, parent, name);
  EraseClosedOrphans();
  if (st.ok()) EntryChanged(parent, name);
  return st;
}
Status Filesystem::Rmdir(const Caller& c, uint64_t parent, std::string_view name) {
  NASD_RETURN_IF_ERROR(views_->CheckOldName(parent, name));
  NASD_RETURN_IF_ERROR(ops::Rmdir(ctx_, c, parent, name));
  EntryChanged(parent, name);
  return Status::Ok();
}
Status Filesystem::Rename(const Caller& c, uint64_t old_parent, std::string_view old_name,
                          uint64_t new_parent, std::string_view new_name, unsigned flags) {
  NASD_RETURN_IF_ERROR(views_->CheckOldName(old_parent, old_name));
  NASD_RETURN_IF_ERROR(views_->CheckNewName(new_parent, new_name));
  Status st = ops::Rename(ctx_, c, old_parent, old_name, new_parent, new_name, flags);
  EraseClosedOrphans();
  if (st.ok()) {
    EntryChanged(old_parent, old_name);
    EntryChanged(new_parent, new_name);
  }
  return st;
}

uint64_t Filesystem::AddChangeListener(ChangeListener listener) {
  std::lock_guard lock(listeners_mu_);
  auto next = listeners_ ? std::make_shared<std::map<uint64_t, ChangeListener>>(*listeners_)
                         : std::make_shared<std::map<uint64_t, ChangeListener>>();
  const uint64_t id = next_listener_++;
  next->emplace(id, std::move(listener));
  listeners_ = std::move(next);
  have_listeners_ = true;
  return id;
}

void Filesystem::RemoveChangeListener(uint64_t id) {
  std::unique_lock lock(listeners_mu_);
  if (!listeners_ || !listeners_->contains(id)) return;
  auto next = std::make_shared<std::map<uint64_t, ChangeListener>>(*listeners_);
  next->erase(id);
  have_listeners_ = !next->empty();
  listeners_ = std::move(next);
  // A call that copied the old map may still be running this listener.
  listeners_idle_.wait(lock, [this]() REQUIRES(listeners_mu_) { return listener_calls_ == 0; });
}

template <typename Call>
void Filesystem::Notify(const Call& call) {
  if (!have_listeners_.load(std::memory_order_relaxed)) return;
  std::shared_ptr<const std::map<uint64_t, ChangeListener>> now;
  {
    std::lock_guard lock(listeners_mu_);
    now = listeners_;
    ++listener_calls_;
  }
  if (now) {
    for (const auto& [id, listener] : *now) call(listener);
  }
  std::lock_guard lock(listeners_mu_);
  if (--listener_calls_ == 0) listeners_idle_.notify_all();
}

void Filesystem::EntryChanged(uint64_t dir, std::string_view name) {
  Notify([&](const ChangeListener& l) {
    if (l.entry) l.entry(dir, name);
  });
}

void Filesystem::InodeChanged(uint64_t ino) {
  Notify([&](const ChangeListener& l) {
    if (l.inode) l.inode(ino);
  });
}

void Filesystem::Retain(uint64_t ino) {
  if (!IsViewIno(ino)) open_files_.Retain(ino);
}

Status Filesystem::Release(uint64_t ino) {
  if (IsViewIno(ino) || !open_files_.Release(ino)) return Status::Ok();
  return EraseOrphan(ino);
}

Status Filesystem::EraseOrphan(uint64_t ino) {
  if (std::shared_ptr<DirtyFile> df = writeback_.Find(ino)) {
    std::lock_guard lock(df->mu);
    if (!df->removed) writeback_.Remove(ino, *df);  // its bytes go with it
  }
  Status st = EraseOrphanInode(ctx_, ino);
  if (!st.ok()) {
    log::Warn("vfs.orphan_erase_failed").Uint("share", share_id_).Uint("ino", ino).Err(st);
  }
  return st;
}

void Filesystem::EraseClosedOrphans() {
  for (uint64_t ino : open_files_.TakeClosedOrphans()) (void)EraseOrphan(ino);
}

Status Filesystem::EraseStartupOrphans() {
  std::vector<uint64_t> orphans;
  NASD_RETURN_IF_ERROR(ctx_.Read([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(orphans, txn.ListOrphans());
    return Status::Ok();
  }));
  for (uint64_t ino : orphans) NASD_RETURN_IF_ERROR(EraseOrphan(ino));
  if (!orphans.empty()) {
    log::Info("vfs.orphans_erased")
        .Uint("share", share_id_)
        .Uint("count", orphans.size())
        .Str("why", "files removed while open when the last process stopped");
  }
  return Status::Ok();
}
Result<DirPage> Filesystem::ReadDir(const Caller& c, uint64_t ino, uint64_t cookie,
                                    size_t max_entries) {
  if (IsViewIno(ino)) return views_->ReadDir(c, ino, cookie, max_entries);
  for (;;) {
    NASD_ASSIGN_OR_RETURN(DirPage page, ops::ReadDir(ctx_, c, ino, cookie, max_entries));
    if (ino != root_) return page;
    const uint64_t last = page.entries.empty() ? cookie : page.entries.back().cookie;
    views_->AdjustRootPage(page, cookie, max_entries, list_snapshots_);
    if (!page.entries.empty() || page.eof) return page;
    cookie = last;  // the page held only a hidden entry: read on after it
  }
}
Result<Attr> Filesystem::OpenFile(const Caller& c, uint64_t ino, OpenFlags flags) {
  if (IsViewIno(ino)) return views_->Open(c, ino, flags);
  if (flags.truncate) NASD_RETURN_IF_ERROR(ops::Flush(ctx_, ino));
  NASD_ASSIGN_OR_RETURN(Attr a, ops::Open(ctx_, c, ino, flags));
  return ops::OverlayAttr(ctx_, a);
}
Result<std::string> Filesystem::Read(uint64_t ino, uint64_t offset, uint64_t length) {
  if (IsViewIno(ino)) return views_->Read(ino, offset, length);
  return ops::Read(ctx_, ino, offset, length);
}
Result<data::ReadBuffers> Filesystem::ReadShared(uint64_t ino, uint64_t offset, uint64_t length,
                                                 bool nowait) {
  if (!IsViewIno(ino)) return ops::ReadShared(ctx_, ino, offset, length, nowait);
  if (nowait) return Status(Code::kWouldBlock, fmt::format("inode {} is read from a snapshot", ino));
  NASD_ASSIGN_OR_RETURN(std::string bytes, views_->Read(ino, offset, length));
  const uint64_t size = bytes.size();
  return data::ReadBuffers{{SharedBytes::Of(std::move(bytes))}, size};
}
Result<Attr> Filesystem::Write(const Caller& c, uint64_t ino, uint64_t offset,
                               std::string_view data, Attr* before, bool nowait) {
  NASD_RETURN_IF_ERROR(views_->CheckWritable(ino));
  NASD_ASSIGN_OR_RETURN(Attr a, ops::Write(ctx_, c, ino, offset, data, before, nowait));
  InodeChanged(ino);
  return a;
}
Result<data::ReadPlan> Filesystem::MapRead(uint64_t ino, uint64_t offset, uint64_t length) {
  if (IsViewIno(ino)) return views_->MapRead(ino, offset, length);
  return ops::MapRead(ctx_, ino, offset, length);
}
Result<FsStats> Filesystem::StatFs() {
  FsStats out;
  out.block_size = ctx_.block_size;
  out.used_bytes = ctx_.chunks.Usage().bytes;
  if (space_) {
    NASD_ASSIGN_OR_RETURN(FsInfo info, space_());
    out.total_bytes = info.total_bytes;
    out.free_bytes = info.free_bytes;
  } else {
    out.free_bytes = kUnboundedFree;
    out.total_bytes = out.used_bytes + out.free_bytes;
  }
  NASD_ASSIGN_OR_RETURN(uint64_t reserved, inodes_.Reserved());
  out.total_files = std::numeric_limits<uint32_t>::max();
  out.free_files = out.total_files > reserved ? out.total_files - reserved : 0;
  return out;
}

Status Filesystem::Fsync(uint64_t ino) {
  if (IsViewIno(ino)) return Status::Ok();  // views buffer nothing
  return ops::Flush(ctx_, ino);
}
// ops::Flush has nothing to wait for unless the file has a DirtyFile: one is
// forgotten only after its writes were committed durably.
bool Filesystem::HasBuffered(uint64_t ino) { return !IsViewIno(ino) && ctx_.writeback.Find(ino) != nullptr; }
std::optional<uint64_t> Filesystem::FlushBytes(uint64_t ino) {
  std::shared_ptr<DirtyFile> df = IsViewIno(ino) ? nullptr : ctx_.writeback.Find(ino);
  if (df == nullptr) return 0;
  std::unique_lock lock(df->mu, std::try_to_lock);
  if (!lock.owns_lock()) return std::nullopt;
  return df->writes.bytes() + df->writes.stored().size() * df->writes.block_size();
}
Result<Attr> Filesystem::CreateTemp(const Caller& c, const Attr& parent, uint32_t mode) {
  NASD_RETURN_IF_ERROR(views_->CheckWritable(parent.ino));
  return ops::CreateTemp(ctx_, c, parent, mode);
}
Result<Attr> Filesystem::PublishTemp(const Caller& c, uint64_t tmp, uint64_t parent,
                                     std::string_view name) {
  NASD_RETURN_IF_ERROR(views_->CheckNewName(parent, name));
  Result<Attr> published = ops::PublishTemp(ctx_, c, tmp, parent, name);
  EraseClosedOrphans();
  if (published.ok()) EntryChanged(parent, name);
  return published;
}
Status Filesystem::DropTemp(uint64_t tmp) { return ops::DropTemp(ctx_, tmp); }
Result<std::string> Filesystem::GetXattr(const Caller& c, uint64_t ino, std::string_view name) {
  if (IsViewIno(ino)) return views_->GetXattr(c, ino, name);
  return ops::GetXattr(ctx_, c, ino, name);
}
Status Filesystem::SetXattr(const Caller& c, uint64_t ino, std::string_view name,
                            std::string_view value, int flags) {
  NASD_RETURN_IF_ERROR(views_->CheckWritable(ino));
  return ops::SetXattr(ctx_, c, ino, name, value, flags);
}
Result<std::vector<std::string>> Filesystem::ListXattr(const Caller& c, uint64_t ino) {
  if (IsViewIno(ino)) return views_->ListXattr(c, ino);
  return ops::ListXattr(ctx_, c, ino);
}
Status Filesystem::RemoveXattr(const Caller& c, uint64_t ino, std::string_view name) {
  NASD_RETURN_IF_ERROR(views_->CheckWritable(ino));
  return ops::RemoveXattr(ctx_, c, ino, name);
}

}  // namespace nasd::vfs
