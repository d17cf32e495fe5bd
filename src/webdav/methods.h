// Internal to webdav/: one handler per method (one file each), and the
// tree helpers DELETE, COPY and MOVE share.
#pragma once

#include <string>
#include <vector>

#include "webdav/handler.h"

namespace nasd::webdav {

http::Response HandleOptions(DavRequest& r);
http::Response HandleGet(DavRequest& r);
http::Response HandlePut(DavRequest& r);
http::Response HandleDelete(DavRequest& r);
http::Response HandleMkcol(DavRequest& r);
http::Response HandleCopy(DavRequest& r);
http::Response HandleMove(DavRequest& r);
http::Response HandlePropfind(DavRequest& r);
http::Response HandleProppatch(DavRequest& r);
http::Response HandleLock(DavRequest& r);
http::Response HandleUnlock(DavRequest& r);

// GET of a collection: HTML for browsers, JSON for Accept: application/json.
http::Response CollectionListing(DavRequest& r, const vfs::Attr& dir);

// tree.cc: removes path (inode ino in directory parent), a whole subtree for
// a directory, as far as it can: a member that cannot be removed is listed
// in failures and keeps its ancestors. True when everything went.
struct RemoveFailure {
  DavPath path;
  Status status;
};
bool RemoveTree(DavRequest& r, const DavPath& path, uint64_t parent, uint64_t ino,
                vfs::FileType type, std::vector<RemoveFailure>& failures);
// As RemoveTree for parent/name, reporting only the first failure.
Status RemoveEntry(DavRequest& r, uint64_t parent, const std::string& name, uint64_t ino,
                   vfs::FileType type);
// Copies src as dst_parent/name (a subtree when recursive), dead properties
// included. Files are copied through a temp file published when complete.
Status CopyEntry(DavRequest& r, const vfs::Attr& src, uint64_t dst_parent, const std::string& name,
                 bool recursive);
// Copies the dead properties (user.dav.* xattrs) of from onto to.
Status CopyDeadProps(DavRequest& r, uint64_t from, uint64_t to);

}  // namespace nasd::webdav
