// MKCOL: creates one collection (RFC 4918 9.3).
#include "webdav/methods.h"

namespace nasd::webdav {

http::Response HandleMkcol(DavRequest& r) {
  if (!r.http.body.empty()) {
    return http::Response::Text(415, "MKCOL with a body is not supported\n");
  }
  auto place = ResolvePlacement(r, r.path);  // refuses the root, which exists
  if (r.path.is_root() || (place.ok() && place->existing)) {
    http::Response resp = http::Response::Text(405, "a resource exists at this URL\n");
    resp.headers.Set(
        "allow", "OPTIONS, GET, HEAD, DELETE, PROPFIND, PROPPATCH, COPY, MOVE, LOCK, UNLOCK, PUT");
    return resp;
  }
  if (!place.ok()) return ErrorResponse(place.status());
  if (auto refused = CheckWrite(r, {{r.path, false}, {r.path.Parent(), false}})) return *refused;
  auto made = r.fs->Mkdir(r.caller(), place->parent.ino, r.path.Name(), 0755);
  if (!made.ok()) {
    if (made.status().code() == Code::kAlreadyExists) return Empty(405);
    return ErrorResponse(made.status());
  }
  return Empty(201);
}

}  // namespace nasd::webdav
