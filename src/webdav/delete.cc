// DELETE: a file, or a collection with everything below it.
#include "webdav/conditional.h"
#include "webdav/methods.h"
#include "webdav/tree.h"

namespace nasd::webdav {

http::Response HandleDelete(DavRequest& r) {
  if (r.path.is_root())
    return ErrorResponse(Status(Code::kNotPermitted, "the share root cannot be deleted"));
  auto attr = Resolve(r, r.path);
  if (!attr.ok()) {
    if (attr.status().code() == Code::kNotDirectory)
      return ErrorResponse(NotFound("no such resource"));
    return ErrorResponse(attr.status());
  }
  Validators v{true, MakeEtag(*attr), attr->mtime_ns / 1'000'000'000};
  if (EvaluatePreconditions(r.http, v) != Precondition::kProceed) return Empty(412);
  if (auto refused = CheckWrite(r, {{r.path, true}, {r.path.Parent(), false}})) return *refused;
  auto parent = Resolve(r, r.path.Parent());
  if (!parent.ok()) return ErrorResponse(parent.status());
  TreeOp op(r);
  if (!RemoveTree(op, r.path, parent->ino, attr->ino, attr->type)) return op.Answer({r.path});
  r.locks.RemoveTree(r.share_id(), r.path);
  return Empty(204);
}

}  // namespace nasd::webdav
