// Internal to webdav/: the shared base every method handler runs on.
// Prepare() resolves the share, the grant and the path once; the helpers
// here resolve paths to inodes, map errors and check If headers and locks,
// so no method repeats that code.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"
#include "vfs/filesystem.h"
#include "webdav/dav_path.h"
#include "webdav/lock_table.h"
#include "webdav/webdav.h"
#include "webdav/xml.h"

namespace nasd::webdav {

struct DavRequest {
  http::Request& http;
  const DavContext& ctx;
  LockTable& locks;
  std::string share;
  std::shared_ptr<vfs::Filesystem> fs;
  DavGrant grant;
  DavPath path;
  bool trailing_slash = false;

  uint64_t share_id() const { return fs->share_id(); }
  const vfs::Caller& caller() const { return grant.caller; }
  std::string HrefOf(const DavPath& p, bool collection) const { return Href(share, p, collection); }
};

using MethodHandler = http::Response (*)(DavRequest&);

// Runs handler after Prepare (which may answer first: 400 for a bad path,
// 404 for an unknown or hidden share, 403 for writes by read-only callers).
http::Response Dispatch(http::Request& req, const DavContext& ctx, LockTable& locks, bool write,
                        MethodHandler handler);

// The inode at path, walking from the root with the caller's permissions
// (one metadata transaction: vfs::Filesystem::LookupPath). kNotFound when
// any component is missing; kNotDirectory when a component is not a
// directory. read: see vfs::Filesystem::LookupPath.
Result<vfs::Attr> Resolve(DavRequest& r, const DavPath& path, vfs::PathRead* read = nullptr);

// An error through the one table (ToHttpStatus).
http::Response ErrorResponse(const Status& st);
// A WebDAV error with a precondition element: <D:error><D:{condition}/></D:error>.
http::Response DavError(int status, std::string_view condition, std::string_view inner = "");
http::Response Empty(int status);

// The parent collection of a path that is to be created or replaced: 409
// when missing or not a collection (RFC 4918 9.7.1, 9.3.1).
Result<vfs::Attr> ResolveParent(DavRequest& r, const DavPath& path);
// ResolveParent and Resolve of a path that is to be created or replaced,
// read together: the parent collection and what is there now, if anything.
struct Placement {
  vfs::Attr parent;
  std::optional<vfs::Attr> existing;
};
Result<Placement> ResolvePlacement(DavRequest& r, const DavPath& path);

// A resource a write touches, for lock and If-header checks. tree: the
// whole subtree is affected (DELETE, MOVE source, overwritten destinations).
struct WriteTarget {
  DavPath path;
  bool tree = false;
};
// Evaluates the If header against every target (412 if it fails) and
// requires a submitted token for every lock on them (423). nullopt: go on.
std::optional<http::Response> CheckWrite(DavRequest& r, const std::vector<WriteTarget>& targets);
// The lock tokens the If header submits (none without one; CheckWrite has
// already refused a malformed header, which submits none here).
std::vector<std::string> SubmittedTokens(const DavRequest& r);
// The root of a lock on target (a tree target: also on anything below it)
// that the request may not override: none of its tokens was submitted by
// its creator (RFC 4918 6.4). nullopt when there is none.
std::optional<DavPath> BlockingLock(DavRequest& r, const WriteTarget& target,
                                    const std::vector<std::string>& tokens);
// The content of DAV:lock-token-submitted for the lock rooted at root.
std::string LockTokenSubmitted(const DavRequest& r, const DavPath& root);

// Depth header: 0, 1 or -1 for infinity; fallback when absent; 400 otherwise.
Result<int> ParseDepth(const http::Request& req, int fallback);

// Reads the whole request body (already buffered by the server) as XML.
// nullopt for an empty body.
Result<std::optional<XmlNode>> ReadXmlBody(DavRequest& r);

// Every entry of a directory except "." and "..".
Result<std::vector<vfs::DirEntry>> ListDir(DavRequest& r, uint64_t ino);

}  // namespace nasd::webdav
