#include "chunk/local/fanout_tree.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <vector>

#include "common/posix_io.h"
#include "chunk/object_name.h"

namespace nasd::chunk {
namespace {

constexpr std::string_view kShortDir = "_";

bool IsFanoutChar(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); }

bool IsFanoutComponent(std::string_view s) {
  return s.size() == 2 && IsFanoutChar(s[0]) && IsFanoutChar(s[1]);
}

bool UsesFanout(std::string_view name) {
  return name.size() >= 4 && IsFanoutComponent(name.substr(0, 2)) &&
         IsFanoutComponent(name.substr(2, 2));
}

// Names of the fan-out subdirectories of dir; none if dir vanished.
Result<std::vector<std::string>> Subdirs(const std::string& dir) {
  std::vector<std::string> out;
  Status st = posix::ForEachEntry(dir, [&](const posix::DirEntry& e) {
    if (e.is_dir && IsFanoutComponent(e.name)) out.emplace_back(e.name);
    return true;
  });
  if (!st.ok() && st.code() != Code::kNotFound) return st;
  return out;
}

}  // namespace

std::string FanoutTree::DirOf(std::string_view name) const {
  if (!UsesFanout(name)) return fmt::format("{}/{}", root_, kShortDir);
  return fmt::format("{}/{}/{}", root_, name.substr(0, 2), name.substr(2, 2));
}

std::string FanoutTree::PathOf(std::string_view name) const {
  return fmt::format("{}/{}", DirOf(name), name);
}

Status FanoutTree::Open() {
  const std::string short_dir = fmt::format("{}/{}", root_, kShortDir);
  if (::mkdir(short_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoStatus(errno, "create directory " + short_dir);
  }
  NASD_RETURN_IF_ERROR(posix::FsyncDir(root_));
  NASD_ASSIGN_OR_RETURN(std::vector<std::string> level1, Subdirs(root_));
  std::unordered_set<std::string> durable;
  for (const std::string& a : level1) {
    const std::string dir = fmt::format("{}/{}", root_, a);
    NASD_ASSIGN_OR_RETURN(std::vector<std::string> level2, Subdirs(dir));
    NASD_RETURN_IF_ERROR(posix::FsyncDir(dir));
    durable.insert(dir);
    for (const std::string& b : level2) durable.insert(fmt::format("{}/{}", dir, b));
  }
  std::lock_guard lock(mu_);
  durable_ = std::move(durable);
  return Status::Ok();
}

Status FanoutTree::MakeDirs(std::string_view name, Pending* pending) {
  if (!UsesFanout(name)) return Status::Ok();  // root/_ is durable since Open
  pending->level1 = fmt::format("{}/{}", root_, name.substr(0, 2));
  pending->level2 = DirOf(name);
  {
    std::lock_guard lock(mu_);
    if (durable_.contains(pending->level2)) return Status::Ok();
    pending->sync_root = !durable_.contains(pending->level1);
  }
  pending->sync_level1 = true;
  for (const std::string* dir : {&pending->level1, &pending->level2}) {
    if (::mkdir(dir->c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus(errno, "create directory " + *dir);
    }
  }
  return Status::Ok();
}

Status FanoutTree::SyncParents(const Pending& pending) {
  if (!pending.sync_level1) return Status::Ok();
  NASD_RETURN_IF_ERROR(posix::FsyncDir(pending.level1));
  if (pending.sync_root) NASD_RETURN_IF_ERROR(posix::FsyncDir(root_));
  std::lock_guard lock(mu_);
  durable_.insert(pending.level1);
  durable_.insert(pending.level2);
  return Status::Ok();
}

Status FanoutTree::WalkLeaf(const std::string& dir, std::string_view prefix, bool* stop,
                            const std::function<bool(std::string_view, uint64_t)>& fn) const {
  std::vector<std::string> names;
  Status st = posix::ForEachEntry(dir, [&](const posix::DirEntry& e) {
    if (e.is_file && IsValidObjectName(e.name) && UsesFanout(e.name) == !prefix.empty() &&
        e.name.substr(0, prefix.size()) == prefix) {
      names.emplace_back(e.name);
    }
    return true;
  });
  if (st.code() == Code::kNotFound) return Status::Ok();  // removed concurrently
  NASD_RETURN_IF_ERROR(st);
  for (const std::string& name : names) {
    struct stat s;
    const std::string path = dir + "/" + name;
    if (::stat(path.c_str(), &s) != 0) {
      if (errno == ENOENT) continue;  // deleted concurrently
      return ErrnoStatus(errno, "stat object " + path);
    }
    if (!fn(name, static_cast<uint64_t>(s.st_size))) {
      *stop = true;
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Status FanoutTree::Walk(const std::function<bool(std::string_view, uint64_t)>& fn) const {
  bool stop = false;
  NASD_RETURN_IF_ERROR(WalkLeaf(fmt::format("{}/{}", root_, kShortDir), "", &stop, fn));
  NASD_ASSIGN_OR_RETURN(std::vector<std::string> level1, Subdirs(root_));
  for (const std::string& a : level1) {
    if (stop) return Status::Ok();
    NASD_ASSIGN_OR_RETURN(std::vector<std::string> level2, Subdirs(root_ + "/" + a));
    for (const std::string& b : level2) {
      if (stop) return Status::Ok();
      NASD_RETURN_IF_ERROR(WalkLeaf(fmt::format("{}/{}/{}", root_, a, b), a + b, &stop, fn));
    }
  }
  return Status::Ok();
}

}  // namespace nasd::chunk
