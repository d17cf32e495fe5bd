// Internal to webdav/: one handler per method (one file each).
#pragma once

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

}  // namespace nasd::webdav
