// PROPFIND (RFC 4918 9.1): allprop, propname or named properties, Depth 0
// and 1 (infinity only when the config allows it).
#include <fmt/format.h>

#include "webdav/methods.h"
#include "webdav/props.h"

namespace nasd::webdav {
namespace {

// Entries visited by one Depth: infinity PROPFIND at most.
constexpr size_t kMaxInfiniteEntries = 100000;

struct Query {
  enum class Kind { kAllProp, kPropName, kProp } kind = Kind::kAllProp;
  std::vector<PropName> names;  // kProp: requested; kAllProp: DAV:include
};

Result<Query> ParseQuery(const std::optional<XmlNode>& body) {
  Query q;
  if (!body) return q;
  if (!body->Is(kDavNs, "propfind"))
    return InvalidArgument("PROPFIND body must be a DAV:propfind element");
  bool seen = false;
  for (const XmlNode* c : body->Elements()) {
    if (c->Is(kDavNs, "allprop")) {
      q.kind = Query::Kind::kAllProp;
    } else if (c->Is(kDavNs, "propname")) {
      q.kind = Query::Kind::kPropName;
    } else if (c->Is(kDavNs, "prop")) {
      q.kind = Query::Kind::kProp;
      for (const XmlNode* p : c->Elements()) q.names.push_back({p->ns, p->name});
    } else if (c->Is(kDavNs, "include")) {
      for (const XmlNode* p : c->Elements()) q.names.push_back({p->ns, p->name});
      continue;
    } else {
      continue;  // unknown elements are ignored (RFC 4918 17)
    }
    if (seen) return InvalidArgument("PROPFIND names more than one of allprop, propname and prop");
    seen = true;
  }
  if (!seen) return InvalidArgument("PROPFIND body names none of allprop, propname and prop");
  return q;
}

// Dead property names of ino (user.dav.* xattrs).
std::vector<PropName> DeadNames(DavRequest& r, uint64_t ino) {
  std::vector<PropName> out;
  auto names = r.fs->ListXattr(r.caller(), ino);
  if (!names.ok()) return out;
  for (const auto& n : *names) {
    if (auto p = ParseDeadPropXattr(n)) out.push_back(std::move(*p));
  }
  return out;
}

void AddResource(DavRequest& r, Multistatus& ms, const Query& q, const DavPath& path,
                 const vfs::Attr& attr) {
  ResourceView view{attr, path.Name(), r.locks.Covering(r.share_id(), path), r.share};
  const std::string href = r.HrefOf(path, attr.type == vfs::FileType::kDirectory);
  std::string found;
  std::string missing;
  auto add_dead = [&](const PropName& p, bool value_wanted) {
    auto v = r.fs->GetXattr(r.caller(), attr.ino, DeadPropXattr(p));
    if (!v.ok()) {
      missing += PropElement(p);
      return;
    }
    found += value_wanted ? *v : PropElement(p);
  };
  switch (q.kind) {
    case Query::Kind::kPropName:
      for (const auto& p : LivePropNames(view)) found += PropElement(p);
      for (const auto& p : DeadNames(r, attr.ino)) found += PropElement(p);
      break;
    case Query::Kind::kAllProp: {
      for (const auto& p : LivePropNames(view)) found += *RenderLiveProp(p, view);
      for (const auto& p : DeadNames(r, attr.ino)) add_dead(p, true);
      break;
    }
    case Query::Kind::kProp:
      for (const auto& p : q.names) {
        if (IsLiveProp(p)) {
          auto v = RenderLiveProp(p, view);
          if (v) {
            found += *v;
          } else {
            missing += PropElement(p);
          }
        } else {
          add_dead(p, true);
        }
      }
      break;
  }
  std::vector<Multistatus::Propstat> stats;
  if (!found.empty() || missing.empty()) stats.push_back({200, found});
  if (!missing.empty()) stats.push_back({404, missing});
  ms.AddProps(href, stats);
}

Status Walk(DavRequest& r, Multistatus& ms, const Query& q, const DavPath& path,
            const vfs::Attr& dir, int depth, size_t& visited) {
  auto entries = ListDir(r, dir.ino);
  if (!entries.ok()) return entries.status();
  for (const auto& e : *entries) {
    auto a = r.fs->GetAttr(e.ino);
    if (!a.ok()) continue;  // removed meanwhile
    if (++visited > kMaxInfiniteEntries) return TooLarge("PROPFIND would list too many resources");
    DavPath child = path.Child(e.name);
    AddResource(r, ms, q, child, *a);
    if (depth < 0 && a->type == vfs::FileType::kDirectory) {
      Status st = Walk(r, ms, q, child, *a, depth, visited);
      if (!st.ok() && st.code() != Code::kPermissionDenied) return st;
    }
  }
  return Status::Ok();
}

}  // namespace

http::Response HandlePropfind(DavRequest& r) {
  auto depth = ParseDepth(r.http, -1);
  if (!depth.ok()) return ErrorResponse(depth.status());
  if (*depth < 0 && !r.ctx.allow_depth_infinity) return DavError(403, "propfind-finite-depth");
  auto body = ReadXmlBody(r);
  if (!body.ok()) return ErrorResponse(body.status());
  auto q = ParseQuery(*body);
  if (!q.ok()) return ErrorResponse(q.status());
  auto attr = Resolve(r, r.path);
  if (!attr.ok()) {
    if (attr.status().code() == Code::kNotDirectory)
      return ErrorResponse(NotFound("no such resource"));
    return ErrorResponse(attr.status());
  }
  Multistatus ms;
  AddResource(r, ms, *q, r.path, *attr);
  if (*depth != 0 && attr->type == vfs::FileType::kDirectory) {
    size_t visited = 0;
    Status st = Walk(r, ms, *q, r.path, *attr, *depth, visited);
    if (!st.ok()) return ErrorResponse(st);
  }
  return ms.Finish();
}

}  // namespace nasd::webdav
