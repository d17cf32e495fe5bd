// COPY and MOVE (RFC 4918 9.8, 9.9) within one share.
#include <fmt/format.h>

#include "webdav/methods.h"
#include "webdav/tree.h"

namespace nasd::webdav {
namespace {

struct Transfer {
  DavPath dst;
  vfs::Attr src;
  vfs::Attr dst_parent;
  std::optional<vfs::Attr> existing;
  bool recursive = true;
};

// Everything COPY and MOVE check before changing anything; a response when
// the request cannot go on.
std::variant<Transfer, http::Response> Prepare(DavRequest& r, bool move) {
  auto dest = r.http.headers.Get("destination");
  if (!dest) return ErrorResponse(InvalidArgument("Destination header is required"));
  auto url = ParseDavUrl(*dest);
  if (!url.ok()) {
    if (url.status().code() == Code::kCrossDevice)
      return http::Response::Text(502, "Destination is not on this server\n");
    return ErrorResponse(url.status());
  }
  auto host = r.http.headers.Get("host");
  if (!url->authority.empty() && host && url->authority != *host) {
    return http::Response::Text(502, "Destination is on another server\n");
  }
  if (url->share != r.share)
    return ErrorResponse(PermissionDenied("Destination is in another share"));
  bool overwrite = true;
  if (auto ow = r.http.headers.Get("overwrite")) {
    if (*ow == "F" || *ow == "f") {
      overwrite = false;
    } else if (*ow != "T" && *ow != "t") {
      return ErrorResponse(InvalidArgument("Overwrite must be T or F"));
    }
  }
  auto depth = ParseDepth(r.http, -1);
  if (!depth.ok()) return ErrorResponse(depth.status());
  if (*depth == 1 || (move && *depth != -1)) {
    return ErrorResponse(
        InvalidArgument(move ? "MOVE requires Depth: infinity" : "COPY takes Depth 0 or infinity"));
  }
  Transfer t;
  t.dst = url->path;
  t.recursive = *depth == -1;
  auto src = Resolve(r, r.path);
  if (!src.ok()) {
    if (src.status().code() == Code::kNotDirectory)
      return ErrorResponse(NotFound("no such resource"));
    return ErrorResponse(src.status());
  }
  t.src = *src;
  if (r.path.is_root() && move)
    return ErrorResponse(PermissionDenied("the share root cannot be moved"));
  if (t.dst.IsWithin(r.path) || r.path.IsWithin(t.dst)) {
    return ErrorResponse(PermissionDenied("source and destination overlap"));
  }
  auto place = ResolvePlacement(r, t.dst);
  if (!place.ok()) return ErrorResponse(place.status());
  t.dst_parent = place->parent;
  if (place->existing) {
    if (!overwrite) return http::Response::Text(412, "Destination exists and Overwrite is F\n");
    t.existing = place->existing;
  }
  return t;
}

http::Response Run(DavRequest& r, bool move) {
  auto prepared = Prepare(r, move);
  if (auto* resp = std::get_if<http::Response>(&prepared)) return std::move(*resp);
  Transfer& t = std::get<Transfer>(prepared);
  // The request's own resources; locks on members are checked member by
  // member, and a locked member fails alone (RFC 4918 9.8.5, 9.9.4).
  std::vector<WriteTarget> targets{{t.dst, false}, {t.dst.Parent(), false}};
  if (move) {
    targets.push_back({r.path, false});
    targets.push_back({r.path.Parent(), false});
  }
  if (auto refused = CheckWrite(r, targets)) return *refused;
  TreeEntry from{r.path, 0};  // the source's directory matters to a MOVE only
  if (move) {
    auto src_parent = Resolve(r, r.path.Parent());
    if (!src_parent.ok()) return ErrorResponse(src_parent.status());
    from.parent = src_parent->ino;
  }
  // A file moved over a file is replaced atomically by the rename itself;
  // anything else overwritten is deleted first (RFC 4918 9.8.4, 9.9.3), as
  // far as it can be: a member that stays is reported, and the source is
  // merged into what is left.
  const bool atomic_replace = move && t.existing && t.existing->type != vfs::FileType::kDirectory &&
                              t.src.type != vfs::FileType::kDirectory;
  if (atomic_replace) {
    Status st =
        r.fs->Rename(r.caller(), from.parent, r.path.Name(), t.dst_parent.ino, t.dst.Name(), 0);
    if (!st.ok()) return ErrorResponse(st);
    r.locks.RemoveTree(r.share_id(), r.path);
    return Empty(204);
  }
  TreeOp op(r);
  if (t.existing && !RemoveTree(op, t.dst, t.dst_parent.ino, t.existing->ino, t.existing->type) &&
      op.FailedAt(t.dst)) {
    return op.Answer({r.path, t.dst});  // the destination itself could not be replaced
  }
  TransferTree(op, move, t.recursive, t.src, from, {t.dst, t.dst_parent.ino},
               t.existing.has_value());
  if (!op.ok()) return op.Answer({r.path, t.dst});
  http::Response resp = Empty(t.existing ? 204 : 201);
  if (!t.existing)
    resp.headers.Set("location", r.HrefOf(t.dst, t.src.type == vfs::FileType::kDirectory));
  return resp;
}

}  // namespace

http::Response HandleCopy(DavRequest& r) { return Run(r, false); }
http::Response HandleMove(DavRequest& r) { return Run(r, true); }

}  // namespace nasd::webdav
