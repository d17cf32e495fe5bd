#include "fuse/ops_base.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <optional>
#include <vector>

namespace nasd::fuse {

using Clock = std::chrono::steady_clock;

void FuseFs::Remember(uint64_t ino) {
  std::lock_guard lock(mu_);
  ++lookups_[ino];
}

void FuseFs::Forget(uint64_t ino, uint64_t n) {
  std::lock_guard lock(mu_);
  auto it = lookups_.find(ino);
  if (it == lookups_.end()) return;
  if (it->second <= n) {
    lookups_.erase(it);
  } else {
    it->second -= n;
  }
}

bool FuseFs::Knows(uint64_t ino) const {
  if (ino == root) return true;
  std::lock_guard lock(mu_);
  return lookups_.contains(ino);
}

size_t FuseFs::known() const {
  std::lock_guard lock(mu_);
  return lookups_.size();
}

namespace {

// Supplementary groups by requesting process, kept for a second. Reading
// /proc/PID/status for each request cost an open, two reads and a close per
// call, and smbd makes some twenty calls for every small file it stores. A
// process that changes its groups (setgroups) is seen with the new ones
// within kGroupsTtl (knfsd's --manage-gids keeps them for 30 minutes).
class GroupsCache {
 public:
  static constexpr auto kGroupsTtl = std::chrono::seconds(1);
  static constexpr size_t kMaxEntries = 1024;

  std::optional<std::vector<uint32_t>> Find(const fuse_ctx& ctx, Clock::time_point now) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(ctx.pid);
    if (it == entries_.end()) return std::nullopt;
    const Entry& e = it->second;
    if (e.uid != ctx.uid || e.gid != ctx.gid || now - e.at > kGroupsTtl) return std::nullopt;
    return e.groups;
  }

  void Put(const fuse_ctx& ctx, Clock::time_point now, std::vector<uint32_t> groups) {
    std::lock_guard lock(mu_);
    if (entries_.size() >= kMaxEntries) std::erase_if(entries_, [&](const auto& kv) { return now - kv.second.at > kGroupsTtl; });
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_[ctx.pid] = Entry{ctx.uid, ctx.gid, now, std::move(groups)};
  }

 private:
  struct Entry {
    uid_t uid;
    gid_t gid;
    Clock::time_point at;
    std::vector<uint32_t> groups;
  };
  std::mutex mu_;
  std::unordered_map<pid_t, Entry> entries_;
};

GroupsCache& Groups() {
  static GroupsCache cache;
  return cache;
}

}  // namespace

vfs::Caller CallerOf(fuse_req_t req, bool with_groups) {
  const fuse_ctx* ctx = fuse_req_ctx(req);
  vfs::Caller c{ctx->uid, ctx->gid, {}};
  if (!with_groups || c.is_root()) return c;
  const auto now = Clock::now();
  if (auto cached = Groups().Find(*ctx, now)) {
    c.groups = std::move(*cached);
    return c;
  }
  std::vector<gid_t> groups(32);
  for (;;) {
    int n = fuse_req_getgroups(req, static_cast<int>(groups.size()), groups.data());
    if (n < 0) return c;  // no /proc entry (the process is gone): primary group only
    if (static_cast<size_t>(n) <= groups.size()) {
      c.groups.assign(groups.begin(), groups.begin() + n);
      Groups().Put(*ctx, now, c.groups);
      return c;
    }
    groups.resize(static_cast<size_t>(n));
  }
}

struct stat StatOf(const vfs::Attr& a) {
  struct stat st {};
  st.st_ino = a.ino;
  st.st_mode = a.st_mode();
  st.st_nlink = a.nlink;
  st.st_uid = a.uid;
  st.st_gid = a.gid;
  st.st_size = static_cast<off_t>(a.size);
  st.st_blksize = kMaxIo;
  st.st_blocks = static_cast<blkcnt_t>((a.size + 511) / 512);
  st.st_atim = {a.atime_ns / 1000000000, a.atime_ns % 1000000000};
  st.st_mtim = {a.mtime_ns / 1000000000, a.mtime_ns % 1000000000};
  st.st_ctim = {a.ctime_ns / 1000000000, a.ctime_ns % 1000000000};
  return st;
}

void ReplyStatus(fuse_req_t req, const Status& st) {
  fuse_reply_err(req, st.ok() ? 0 : ToErrno(st.code()));
}

fuse_entry_param EntryOf(const FuseFs& f, const vfs::Attr& a) {
  fuse_entry_param e{};
  e.ino = f.ToNode(a.ino);
  e.generation = a.generation;
  e.attr = StatOf(a);
  e.attr_timeout = kAttrTimeout;
  e.entry_timeout = kEntryTimeout;
  return e;
}

void ReplyEntry(fuse_req_t req, const vfs::Attr& a) {
  FuseFs& f = Fs(req);
  fuse_entry_param e = EntryOf(f, a);
  // Counted before the reply: a forget may follow the reply at once.
  f.Remember(a.ino);
  if (fuse_reply_entry(req, &e) != 0) f.Forget(a.ino, 1);
}

void ReplyAttr(fuse_req_t req, const vfs::Attr& a) {
  struct stat st = StatOf(a);
  fuse_reply_attr(req, &st, kAttrTimeout);
}

bool RefuseReadOnly(fuse_req_t req) {
  if (!Fs(req).read_only) return false;
  fuse_reply_err(req, EROFS);
  return true;
}

}  // namespace nasd::fuse
