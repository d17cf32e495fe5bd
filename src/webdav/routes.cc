#include "webdav/methods.h"
#include "webdav/webdav.h"

namespace nasd::webdav {

void WebDav::RegisterRoutes(http::Router& router) {
  struct Method {
    const char* name;
    MethodHandler handler;
    bool write;
  };
  static constexpr Method kMethods[] = {
      {"OPTIONS", HandleOptions, false},
      {"GET", HandleGet, false},
      {"PUT", HandlePut, true},
      {"DELETE", HandleDelete, true},
      {"MKCOL", HandleMkcol, true},
      {"COPY", HandleCopy, true},
      {"MOVE", HandleMove, true},
      {"PROPFIND", HandlePropfind, false},
      {"PROPPATCH", HandleProppatch, true},
      {"LOCK", HandleLock, true},
      {"UNLOCK", HandleUnlock, true},
  };
  for (const Method& m : kMethods) {
    http::RouteOptions opts;
    opts.requires_auth = true;
    opts.auth_challenge = "Basic realm=\"nasd\", charset=\"UTF-8\"";
    opts.metric_name = "/dav";
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
