#include "webdav/handler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "webdav/conditional.h"
#include "webdav/if_header.h"
#include "webdav/xml.h"

namespace nasd::webdav {
namespace {

using http::TrimOws;

}  // namespace

http::Response Dispatch(http::Request& req, const DavContext& ctx, LockTable& locks, bool write,
                        MethodHandler handler) {
  const std::string& share = req.params["share"];
  auto fs = ctx.mount(share);
  if (!fs.ok()) {
    if (fs.status().code() == Code::kNotFound) return ErrorResponse(NotFound("no such share"));
    return ErrorResponse(fs.status());
  }
  auto grant = ctx.authorize(req, share, (*fs)->share_id());
  if (!grant.ok()) {
    if (grant.status().code() == Code::kNotFound) return ErrorResponse(NotFound("no such share"));
    return ErrorResponse(grant.status());
  }
  if (write && !grant->writable)
    return ErrorResponse(PermissionDenied("read-only access to this share"));
  auto path = ParseDavPath(req.params["path"]);
  if (!path.ok()) return ErrorResponse(path.status());
  DavRequest r{req,
               ctx,
               locks,
               share,
               std::move(*fs),
               std::move(*grant),
               std::move(*path),
               req.path.ends_with('/')};
  return handler(r);
}

Result<vfs::Attr> Resolve(DavRequest& r, const DavPath& path, vfs::PathRead* read) {
  if (path.segments.empty()) return r.fs->GetAttr(r.fs->root());
  std::vector<vfs::Attr> found;
  NASD_RETURN_IF_ERROR(r.fs->LookupPath(r.caller(), r.fs->root(), path.segments, &found, read));
  return found.back();
}

namespace {

Status MissingParent() { return Conflict("the parent collection does not exist"); }
Status ParentNotCollection() { return Conflict("the parent is not a collection"); }

}  // namespace

Result<vfs::Attr> ResolveParent(DavRequest& r, const DavPath& path) {
  if (path.is_root()) return Status(Code::kNotPermitted, "the share root cannot be replaced");
  auto parent = Resolve(r, path.Parent());
  if (!parent.ok()) {
    Code c = parent.status().code();
    if (c == Code::kNotFound || c == Code::kNotDirectory) return MissingParent();
    return parent.status();
  }
  if (parent->type != vfs::FileType::kDirectory) return ParentNotCollection();
  return parent;
}

Result<Placement> ResolvePlacement(DavRequest& r, const DavPath& path) {
  if (path.is_root()) return Status(Code::kNotPermitted, "the share root cannot be replaced");
  // "." first: the root's own attributes, for a parent that is the root.
  std::vector<std::string> names{"."};
  names.insert(names.end(), path.segments.begin(), path.segments.end());
  std::vector<vfs::Attr> found;
  const Status st = r.fs->LookupPath(r.caller(), r.fs->root(), names, &found);
  const size_t n = names.size();
  if (st.ok()) return Placement{found[n - 2], found[n - 1]};
  if (found.size() == n - 1) {  // everything but the resource itself
    if (st.code() == Code::kNotFound) return Placement{found.back(), std::nullopt};
    if (st.code() == Code::kNotDirectory) return ParentNotCollection();
    return st;
  }
  if (st.code() == Code::kNotFound || st.code() == Code::kNotDirectory) return MissingParent();
  return st;
}

http::Response ErrorResponse(const Status& st) {
  http::Response resp = http::Response::Text(ToHttpStatus(st.code()), st.message() + "\n");
  return resp;
}

http::Response DavError(int status, std::string_view condition, std::string_view inner) {
  http::Response resp;
  resp.status = status;
  resp.headers.Set("content-type", "application/xml; charset=utf-8");
  resp.body = fmt::format(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error "
      "xmlns:D=\"DAV:\"><D:{}>{}</D:{}></D:error>\n",
      condition, inner, condition);
  return resp;
}

http::Response Empty(int status) {
  http::Response resp;
  resp.status = status;
  return resp;
}

std::optional<http::Response> CheckWrite(DavRequest& r, const std::vector<WriteTarget>& targets) {
  std::optional<IfHeader> ifh;
  if (auto h = r.http.headers.Get("if")) {
    auto parsed = ParseIfHeader(*h);
    if (!parsed.ok()) return ErrorResponse(parsed.status());
    ifh = std::move(*parsed);
  }
  if (ifh) {
    std::vector<DavPath> paths{r.path};
    for (const auto& t : targets) paths.push_back(t.path);
    for (const auto& p : paths) {
      ResourceState state;
      auto attr = Resolve(r, p);
      if (attr.ok()) state.etag = MakeEtag(*attr);
      for (const auto& l : r.locks.Covering(r.share_id(), p)) state.lock_tokens.push_back(l.token);
      if (!IfHeaderHolds(*ifh, r.share, p, state)) {
        return http::Response::Text(412, "the If header does not hold\n");
      }
    }
  }
  const std::vector<std::string> tokens = ifh ? ifh->Tokens() : std::vector<std::string>{};
  for (const auto& t : targets) {
    if (auto root = BlockingLock(r, t, tokens))
      return DavError(423, "lock-token-submitted", LockTokenSubmitted(r, *root));
  }
  return std::nullopt;
}

std::vector<std::string> SubmittedTokens(const DavRequest& r) {
  auto h = r.http.headers.Get("if");
  if (!h) return {};
  auto parsed = ParseIfHeader(*h);
  if (!parsed.ok()) return {};
  return parsed->Tokens();
}

std::optional<DavPath> BlockingLock(DavRequest& r, const WriteTarget& target,
                                    const std::vector<std::string>& tokens) {
  auto held = target.tree ? r.locks.CoveringTree(r.share_id(), target.path)
                          : r.locks.Covering(r.share_id(), target.path);
  if (held.empty()) return std::nullopt;
  // Shared locks may share a root: submitting any one of them unlocks it.
  std::set<std::string> unlocked;
  for (const auto& l : held) {
    // Tokens are visible to anyone in DAV:lockdiscovery, so a token only
    // counts when its lock's creator submits it (RFC 4918 6.4).
    const bool submitted = std::find(tokens.begin(), tokens.end(), l.token) != tokens.end();
    if (submitted && l.principal == r.http.user) unlocked.insert(l.root.Key());
  }
  for (const auto& l : held) {
    if (!unlocked.contains(l.root.Key())) return l.root;
  }
  return std::nullopt;
}

std::string LockTokenSubmitted(const DavRequest& r, const DavPath& root) {
  return fmt::format("<D:href>{}</D:href>", XmlEscape(r.HrefOf(root, false)));
}

Result<int> ParseDepth(const http::Request& req, int fallback) {
  auto h = req.headers.Get("depth");
  if (!h) return fallback;
  std::string_view v = TrimOws(*h);
  if (v == "0") return 0;
  if (v == "1") return 1;
  if (v.size() == 8) {
    std::string lower(v);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "infinity") return -1;
  }
  return InvalidArgument("Depth must be 0, 1 or infinity");
}

Result<std::optional<XmlNode>> ReadXmlBody(DavRequest& r) {
  const std::string& body = r.http.body;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return std::optional<XmlNode>();
  XmlLimits limits;
  limits.max_bytes = r.ctx.max_xml_body;
  NASD_ASSIGN_OR_RETURN(XmlNode root, ParseXml(body, limits));
  return std::optional<XmlNode>(std::move(root));
}

Result<std::vector<vfs::DirEntry>> ListDir(DavRequest& r, uint64_t ino) {
  std::vector<vfs::DirEntry> out;
  uint64_t cookie = vfs::Filesystem::kCookieStart;
  while (true) {
    NASD_ASSIGN_OR_RETURN(vfs::DirPage page, r.fs->ReadDir(r.caller(), ino, cookie, 1024));
    for (auto& e : page.entries) {
      cookie = e.cookie;
      if (e.name == "." || e.name == "..") continue;
      out.push_back(std::move(e));
    }
    if (page.eof || page.entries.empty()) break;
  }
  // The vfs lists in cookie (hash) order; people and clients read listings
  // sorted by name.
  std::sort(out.begin(), out.end(),
            [](const vfs::DirEntry& a, const vfs::DirEntry& b) { return a.name < b.name; });
  return out;
}

}  // namespace nasd::webdav
