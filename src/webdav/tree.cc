// The failures of a tree operation, its answer, and removal of a tree
// (DELETE, and COPY and MOVE over an existing destination).
#include "webdav/tree.h"

#include <algorithm>

#include "webdav/multistatus.h"

namespace nasd::webdav {

void TreeOp::Fail(const DavPath& path, bool collection, Status st) {
  Record({path, collection, std::move(st), std::nullopt});
}

void TreeOp::Record(MemberFailure f) {
  if (failed_within_.contains(f.path.Key())) return;
  for (DavPath p = f.path;; p = p.Parent()) {
    if (!failed_within_.insert(p.Key()).second || p.is_root()) break;
  }
  failures_.push_back(std::move(f));
}

bool TreeOp::Locked(const DavPath& path, bool collection) {
  auto root = BlockingLock(r, {path, false}, tokens_);
  if (!root) return false;
  Record({path, collection, Status(Code::kBusy, "locked"), std::move(root)});
  return true;
}

bool TreeOp::LockedWithin(const DavPath& path) {
  return BlockingLock(r, {path, true}, tokens_).has_value();
}

bool TreeOp::FailedAt(const DavPath& path) const {
  return std::any_of(failures_.begin(), failures_.end(),
                     [&](const MemberFailure& f) { return f.path == path; });
}

http::Response TreeOp::Answer(std::initializer_list<DavPath> own) const {
  if (failures_.size() == 1 && std::find(own.begin(), own.end(), failures_[0].path) != own.end()) {
    const MemberFailure& f = failures_[0];
    if (f.lock) return DavError(423, "lock-token-submitted", LockTokenSubmitted(r, *f.lock));
    if (f.status.code() == Code::kAlreadyExists)
      return http::Response::Text(412, "Destination appeared meanwhile\n");
    return ErrorResponse(f.status);
  }
  Multistatus ms;
  for (const auto& f : failures_) {
    const std::string href = r.HrefOf(f.path, f.collection);
    if (f.lock) {
      ms.AddStatus(href, 423,
                   "<D:error><D:lock-token-submitted>" + LockTokenSubmitted(r, *f.lock) +
                       "</D:lock-token-submitted></D:error>");
    } else {
      ms.AddStatus(href, ToHttpStatus(f.status.code()));
    }
  }
  return ms.Finish();
}

bool RemoveTree(TreeOp& op, const DavPath& path, uint64_t parent, uint64_t ino,
                vfs::FileType type) {
  DavRequest& r = op.r;
  const bool dir = type == vfs::FileType::kDirectory;
  if (op.Locked(path, dir)) return false;
  Status st;
  if (!dir) {
    st = r.fs->Unlink(r.caller(), parent, path.Name());
  } else {
    auto entries = ListDir(r, ino);
    if (!entries.ok()) {
      st = entries.status();
    } else {
      bool all = true;
      for (const auto& e : *entries) all &= RemoveTree(op, path.Child(e.name), ino, e.ino, e.type);
      if (!all) return false;  // the collection stays; its failed members are reported
      st = r.fs->Rmdir(r.caller(), parent, path.Name());
    }
  }
  if (st.ok() || st.code() == Code::kNotFound) return true;
  op.Fail(path, dir, st);
  return false;
}

}  // namespace nasd::webdav
