#include "webdav/methods.h"
#include "webdav/webdav.h"

namespace nasd::webdav {

void WebDav::RegisterRoutes(http::Router& router) {
  struct Method {
    const char* name;
    MethodHandler handler;
    bool write;
    // Runs on the I/O thread (http::RouteOptions::quick): reads of metadata
    // and opening a file, nothing that syncs. A GET of a file with buffered
    // writes commits them first; that wait is rare and short.
    bool quick;
  };
  static constexpr Method kMethods[] = {
      {"OPTIONS", HandleOptions, false, true},
      {"GET", HandleGet, false, true},
      {"PUT", HandlePut, true, false},
      {"DELETE", HandleDelete, true, false},
      {"MKCOL", HandleMkcol, true, false},
      {"COPY", HandleCopy, true, false},
      {"MOVE", HandleMove, true, false},
      {"PROPFIND", HandlePropfind, false, false},
      {"PROPPATCH", HandleProppatch, true, false},
      {"LOCK", HandleLock, true, false},
      {"UNLOCK", HandleUnlock, true, false},
  };
  for (const Method& m : kMethods) {
    http::RouteOptions opts;
    opts.requires_auth = true;
    opts.auth_challenge = "Basic realm=\"nasd\", charset=\"UTF-8\"";
    opts.metric_name = "/dav";
    opts.quick = m.quick;
    opts.max_body_bytes = ctx_.max_xml_body;
    if (std::string_view(m.name) == "PUT") {
      opts.stream_body = true;
      opts.max_body_bytes = ctx_.max_put_body;
    }
    router.Add(
        m.name, "/dav/{share}/{path...}",
        [this, m](http::Request& req) { return Dispatch(req, ctx_, locks_, m.write, m.handler); },
        opts);
  }
}

}  // namespace nasd::webdav
