// OPTIONS: advertises WebDAV class 1 and 2 and the methods.
#include "webdav/methods.h"

namespace nasd::webdav {

http::Response HandleOptions(DavRequest&) {
  http::Response resp = Empty(200);
  resp.headers.Set("dav", "1, 2");
  resp.headers.Set("ms-author-via", "DAV");
  resp.headers.Set(
      "allow",
      "OPTIONS, GET, HEAD, PUT, DELETE, MKCOL, COPY, MOVE, PROPFIND, PROPPATCH, LOCK, UNLOCK");
  resp.headers.Set("accept-ranges", "bytes");
  return resp;
}

}  // namespace nasd::webdav
