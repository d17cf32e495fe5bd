// Internal to webdav/: DELETE, COPY and MOVE of whole trees, member by
// member. A member that fails does not stop the others (RFC 4918 9.6.1,
// 9.8.3, 9.9.2): it is recorded, its subtree is skipped and its ancestors
// stay, and the request is answered 207 Multi-Status listing each failure.
#pragma once

#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "webdav/handler.h"

namespace nasd::webdav {

// A resource a tree operation could not act on.
struct MemberFailure {
  DavPath path;
  bool collection = false;
  Status status;
  // Set for 423: the root of a lock whose token the request did not submit.
  std::optional<DavPath> lock;
};

// One DELETE, COPY or MOVE: the request, the lock tokens it submitted, and
// the failures so far. The request's own resources were checked for locks
// by CheckWrite before; members are checked here as they are reached.
class TreeOp {
 public:
  explicit TreeOp(DavRequest& r) : r(r), tokens_(SubmittedTokens(r)) {}

  // Records that path failed with st, unless a failure at or below path is
  // recorded already: ancestors of a failed member fail with it, and RFC
  // 4918 leaves them out (no 424 entries).
  void Fail(const DavPath& path, bool collection, Status st);
  // True, with a 423 recorded, when a lock the request may not override
  // covers path.
  bool Locked(const DavPath& path, bool collection);
  // True when such a lock covers path or anything below it.
  bool LockedWithin(const DavPath& path);
  bool ok() const { return failures_.empty(); }
  bool FailedAt(const DavPath& path) const;
  // The answer when something failed: a plain error when the only failure
  // is one of the request's own resources (own: its source and destination),
  // else 207 with one response per failed resource, naming no resource that
  // succeeded.
  http::Response Answer(std::initializer_list<DavPath> own) const;

  DavRequest& r;

 private:
  void Record(MemberFailure f);

  std::vector<std::string> tokens_;
  std::vector<MemberFailure> failures_;
  // Keys of every failed path and of its ancestors.
  std::set<std::string> failed_within_;
};

// Removes path (inode ino, an entry of directory parent), a whole subtree
// for a directory, as far as it can. True when everything went.
bool RemoveTree(TreeOp& op, const DavPath& path, uint64_t parent, uint64_t ino, vfs::FileType type);

// An entry named path.Name() in directory parent.
struct TreeEntry {
  DavPath path;
  uint64_t parent = 0;
};

// COPY (move false; recursive false for Depth 0) or MOVE of src, the
// resource at from, to the resource at to. merge: to may exist as what a
// failed removal left (nothing else may: the caller removed it first); a
// collection is then copied into it, anything else there stays and is not
// replaced. Files are copied through a temp file published when complete;
// dead properties go along. A MOVE renames each subtree that has nothing
// in the way in one step (the whole tree when nothing is), and removes a
// source collection only when all its members went. True when everything
// went.
bool TransferTree(TreeOp& op, bool move, bool recursive, const vfs::Attr& src,
                  const TreeEntry& from, const TreeEntry& to, bool merge);

}  // namespace nasd::webdav
