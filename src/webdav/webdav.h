// WebDAV (RFC 4918 class 1 and 2) and plain HTTP file access to shares,
// served at /dav/{share}/{path...} on the same HTTP server as the API.
//
// Every route requires authentication (the server's authenticator sets
// Request::user / Request::admin); who the request acts as on a share is
// decided by DavContext::authorize. A share the caller may not see answers
// 404, exactly as a share that does not exist, so share names do not leak.
// Locks are kept in memory and do not survive a restart.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "http/router.h"
#include "vfs/filesystem.h"
#include "webdav/file_source.h"
#include "webdav/lock_table.h"

namespace nasd::webdav {

// What an authenticated request may do on one share.
struct DavGrant {
  vfs::Caller caller;
  bool writable = false;
};

struct DavContext {
  // The share's filesystem; kNotFound when no share has this name.
  std::function<Result<std::shared_ptr<vfs::Filesystem>>(std::string_view share)> mount;
  // The grant of an authenticated request on a share; kNotFound when the
  // caller has no access at all (answered like a missing share).
  std::function<Result<DavGrant>(const http::Request&, std::string_view share, uint64_t share_id)>
      authorize;
  bool allow_depth_infinity = false;  // PROPFIND Depth: infinity
  uint64_t max_xml_body = 1 << 20;    // PROPFIND, PROPPATCH, LOCK bodies
  uint64_t max_put_body = 1ULL << 40;
  SendMode send_mode = SendMode::kVerifiedSendfile;  // GET (file_source.h)
};

class WebDav {
 public:
  explicit WebDav(DavContext ctx) : ctx_(std::move(ctx)) {}
  WebDav(const WebDav&) = delete;
  WebDav& operator=(const WebDav&) = delete;

  // Adds the /dav routes. This object must outlive the router's server.
  void RegisterRoutes(http::Router& router);

  LockTable& locks() { return locks_; }
  const DavContext& context() const { return ctx_; }

 private:
  DavContext ctx_;
  LockTable locks_;
};

}  // namespace nasd::webdav
