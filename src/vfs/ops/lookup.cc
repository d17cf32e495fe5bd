#include <fmt/format.h>

#include "vfs/data/file_data.h"
#include "vfs/data/layout.h"
#include "vfs/ops/ops.h"
#include "vfs/path_cache.h"

namespace nasd::vfs::ops {
namespace {

// The entry name in directory parent, read in txn. dir: parent's record
// when the caller has it (read in the same txn), else it is read here.
// found, if given, gets the entry's record.
Result<Attr> LookupIn(ShareTxn& txn, const Caller& caller, uint64_t parent, std::string_view name,
                      InodeRecord* found = nullptr, const InodeRecord* dir = nullptr) {
  if (!IsDots(name)) NASD_RETURN_IF_ERROR(CheckName(name));
  std::optional<InodeRecord> read;
  if (dir == nullptr) {
    // Search permission needs the directory's mode, not its times; "." is
    // the directory itself, answered with its times.
    NASD_ASSIGN_OR_RETURN(read, txn.GetInode(parent, /*dir_times=*/name == "."));
    if (!read) return Status(Code::kStale, fmt::format("inode {} does not exist", parent));
    dir = &*read;
  }
  if (dir->type != FileType::kDirectory) {
    return Status(Code::kNotDirectory, fmt::format("inode {} is not a directory", parent));
  }
  NASD_RETURN_IF_ERROR(CheckAccess(caller, *dir, kAccessExec));
  if (name == ".") {
    if (found != nullptr) *found = *dir;
    return ToAttr(parent, *dir);
  }
  uint64_t ino = dir->parent;
  if (name != "..") {
    NASD_ASSIGN_OR_RETURN(auto entry, txn.GetEntry(parent, name));
    if (!entry) return NotFound(fmt::format("no entry '{}' in directory {}", name, parent));
    ino = entry->ino;
  }
  NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
  if (found != nullptr) *found = rec;
  return ToAttr(ino, rec);
}

}  // namespace

Result<Attr> Lookup(OpContext& ctx, const Caller& caller, uint64_t parent, std::string_view name) {
  Attr out;
  NASD_RETURN_IF_ERROR(ctx.Read([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(out, LookupIn(txn, caller, parent, name));
    return Status::Ok();
  }));
  return out;
}

namespace {

// The walk of LookupPath in one snapshot. *planned gets the span of the
// plan made, if one was.
Status Walk(OpContext& ctx, const Caller& caller, uint64_t dir, std::span<const std::string> names,
            const PathStop& stop, std::vector<Attr>* found, PathRead* read,
            std::optional<PathRead::Span>* planned) {
  Status failed;
  NASD_RETURN_IF_ERROR(ctx.Read([&](ShareTxn& txn) -> Status {
    // A retried read starts over.
    found->clear();
    failed = Status::Ok();
    planned->reset();
    if (read != nullptr) read->plan.reset();
    uint64_t at = dir;
    // Each step's record is the next step's directory: read once.
    std::optional<InodeRecord> rec;
    for (const std::string& name : names) {
      if (stop && stop(at, name)) return Status::Ok();
      InodeRecord next;
      Result<Attr> attr = LookupIn(txn, caller, at, name, &next, rec ? &*rec : nullptr);
      if (!attr.ok()) {
        failed = attr.status();
        return Status::Ok();
      }
      at = attr->ino;
      rec = std::move(next);
      found->push_back(*attr);
    }
    if (read != nullptr && read->want && found->size() == names.size() && rec &&
        rec->type == FileType::kRegular) {
      if (std::optional<PathRead::Span> span = read->want(found->back())) {
        // A record that does not decode is MapRead's to report.
        auto plan = data::PlanRead(txn, at, rec->size, ctx.block_size, span->offset,
                                   std::min(span->length, kMaxReadSize), ctx.readahead_blocks);
        if (plan.ok()) {
          read->plan = std::move(*plan);
          *planned = span;
        }
      }
    }
    return Status::Ok();
  }));
  return failed;
}

// Answers the walk from a cached one, if that holds all it must: the same
// stops, and the plan of the span read->want picks now.
bool Reuse(const PathCache::Entry& e, uint64_t dir, std::span<const std::string> names,
           const PathStop& stop, std::vector<Attr>* found, PathRead* read) {
  if (stop) {
    uint64_t at = dir;
    for (size_t i = 0; i < names.size(); ++i) {
      if (stop(at, names[i])) return false;
      at = e.found[i].ino;
    }
  }
  std::optional<PathRead::Span> span;
  if (read != nullptr && read->want && e.found.back().type == FileType::kRegular) {
    span = read->want(e.found.back());
    if (span && !(e.plan && e.span == span)) return false;
  }
  *found = e.found;
  if (span) read->plan = e.plan;
  return true;
}

}  // namespace

Status LookupPath(OpContext& ctx, const Caller& caller, uint64_t dir,
                  std::span<const std::string> names, const PathStop& stop,
                  std::vector<Attr>* found, PathRead* read) {
  // Taken before the snapshot (write_back.h).
  const uint64_t removals = read != nullptr ? ctx.writeback.Removals() : 0;
  if (read != nullptr) read->plan.reset();
  // Read after the removals: a cached walk at this stamp is then as good as
  // a snapshot taken here.
  std::optional<uint64_t> stamp;
  if (ctx.paths != nullptr && ctx.view_epoch == 0 && !names.empty()) stamp = ctx.kv.ChangeStamp();
  std::string key;
  bool reused = false;
  if (stamp) {
    key = PathCache::Key(caller, dir, names);
    if (auto e = ctx.paths->Find(*stamp, key)) reused = Reuse(*e, dir, names, stop, found, read);
    ctx.paths->Count(reused);
  }
  Status failed;
  if (!reused) {
    std::optional<PathRead::Span> planned;
    failed = Walk(ctx, caller, dir, names, stop, found, read, &planned);
    // Kept only if nothing was committed since the stamp: the walk's
    // snapshot was then the stamp's.
    if (stamp && failed.ok() && found->size() == names.size() &&
        ctx.kv.ChangeStamp().value_or(*stamp + 1) == *stamp) {
      PathCache::Entry e{*found, planned, std::nullopt};
      if (planned) e.plan = read->plan;
      ctx.paths->Insert(*stamp, std::move(key), std::move(e));
    }
  }
  if (read != nullptr && read->plan && !ctx.writeback.CleanSince(found->back().ino, removals)) {
    read->plan.reset();
  }
  return failed;
}

}  // namespace nasd::vfs::ops
