// LOCK (RFC 4918 9.10): new exclusive or shared write locks, refreshes (an
// empty body with an If header naming the token), and locks on unmapped
// URLs, which create an empty file.
#include <fmt/format.h>

#include "webdav/if_header.h"
#include "webdav/methods.h"
#include "webdav/props.h"
#include "webdav/timeout.h"

namespace nasd::webdav {
namespace {

http::Response LockResponse(DavRequest& r, const Lock& l, int status) {
  http::Response resp;
  resp.status = status;
  resp.headers.Set("content-type", "application/xml; charset=utf-8");
  resp.headers.Set("lock-token", "<" + l.token + ">");
  resp.body = fmt::format(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:prop "
      "xmlns:D=\"DAV:\"><D:lockdiscovery>{}</D:lockdiscovery></D:prop>\n",
      ActiveLockXml(l, r.share));
  return resp;
}

http::Response Refresh(DavRequest& r, std::chrono::seconds timeout) {
  auto h = r.http.headers.Get("if");
  if (!h)
    return ErrorResponse(
        InvalidArgument("a LOCK without a body refreshes a lock and needs an If header"));
  auto parsed = ParseIfHeader(*h);
  if (!parsed.ok()) return ErrorResponse(parsed.status());
  for (const auto& token : parsed->Tokens()) {
    auto l = r.locks.Refresh(r.share_id(), r.path, token, timeout);
    if (l.ok()) return LockResponse(r, *l, 200);
  }
  return DavError(412, "lock-token-matches-request-uri");
}

}  // namespace

http::Response HandleLock(DavRequest& r) {
  auto depth = ParseDepth(r.http, -1);
  if (!depth.ok()) return ErrorResponse(depth.status());
  if (*depth == 1) return ErrorResponse(InvalidArgument("LOCK takes Depth 0 or infinity"));
  auto timeout = ParseTimeout(r.http.headers.Get("timeout"));
  if (!timeout.ok()) return ErrorResponse(timeout.status());
  auto body = ReadXmlBody(r);
  if (!body.ok()) return ErrorResponse(body.status());
  if (!*body) return Refresh(r, *timeout);

  const XmlNode& info = **body;
  if (!info.Is(kDavNs, "lockinfo"))
    return ErrorResponse(InvalidArgument("LOCK body must be a DAV:lockinfo element"));
  const XmlNode* scope = info.Child(kDavNs, "lockscope");
  const XmlNode* type = info.Child(kDavNs, "locktype");
  if (scope == nullptr || type == nullptr)
    return ErrorResponse(InvalidArgument("DAV:lockinfo needs lockscope and locktype"));
  Lock lock;
  if (scope->Child(kDavNs, "exclusive") != nullptr) {
    lock.exclusive = true;
  } else if (scope->Child(kDavNs, "shared") != nullptr) {
    lock.exclusive = false;
  } else {
    return ErrorResponse(InvalidArgument("DAV:lockscope must be exclusive or shared"));
  }
  if (type->Child(kDavNs, "write") == nullptr)
    return ErrorResponse(InvalidArgument("only write locks exist"));
  if (const XmlNode* owner = info.Child(kDavNs, "owner")) lock.owner_xml = SerializeXml(*owner);
  lock.root = r.path;
  lock.infinite = *depth < 0;
  lock.principal = r.http.user;
  lock.timeout = *timeout;

  auto attr = Resolve(r, r.path);
  const bool exists = attr.ok();
  if (!exists && attr.status().code() != Code::kNotFound) return ErrorResponse(attr.status());
  std::optional<vfs::Attr> parent;
  if (!exists) {
    auto p = ResolveParent(r, r.path);
    if (!p.ok()) return ErrorResponse(p.status());
    parent = *p;
  }
  std::vector<WriteTarget> targets;
  if (!exists) targets.push_back({r.path.Parent(), false});
  if (auto refused = CheckWrite(r, targets)) return *refused;

  auto made = r.locks.Create(r.share_id(), lock);
  if (!made.ok()) return DavError(423, "no-conflicting-lock");
  if (!exists) {
    auto created = r.fs->Create(r.caller(), parent->ino, r.path.Name(), 0644, /*exclusive=*/true);
    if (!created.ok()) {
      r.locks.Unlock(r.share_id(), r.path, made->token)
          .IgnoreError();  // the create failure is what matters
      return ErrorResponse(created.status());
    }
  }
  return LockResponse(r, *made, exists ? 200 : 201);
}

http::Response HandleUnlock(DavRequest& r) {
  auto h = r.http.headers.Get("lock-token");
  if (!h || h->size() < 3 || h->front() != '<' || h->back() != '>') {
    return ErrorResponse(InvalidArgument("UNLOCK needs a Lock-Token header <token>"));
  }
  std::string token(h->substr(1, h->size() - 2));
  for (const Lock& l : r.locks.Covering(r.share_id(), r.path)) {
    if (l.token == token && l.principal != r.http.user && !r.http.admin) {
      return ErrorResponse(PermissionDenied("the lock belongs to another user"));
    }
  }
  if (!r.locks.Unlock(r.share_id(), r.path, token).ok())
    return DavError(409, "lock-token-matches-request-uri");
  return Empty(204);
}

}  // namespace nasd::webdav
