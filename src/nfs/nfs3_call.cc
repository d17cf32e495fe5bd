#include "nfs/nfs3_call.h"

#include "common/logging.h"

namespace nasd::nfs::nfs3 {

Resolved Call::Resolve(std::string_view handle) {
  Resolved r;
  auto fh = FileHandle::Decode(handle);
  if (!fh.ok()) {
    log::Debug("nfs.bad_handle").Str("peer", rpc_.peer.address).Err(fh.status());
    r.stat = kNfs3ErrBadHandle;
    return r;
  }
  auto opened = exports_.OpenById(fh->share_id);
  if (!opened.ok()) {
    r.stat = opened.status().code() == Code::kStale ? kNfs3ErrStale : Nfs3StatOf(opened.status());
    return r;
  }
  if (!opened->exp->rules.Allows(rpc_.peer.address)) {
    r.stat = kNfs3ErrAcces;
    return r;
  }
  // Snapshot views are not served yet: their handles cannot have been issued.
  if (fh->view != 0) {
    r.stat = kNfs3ErrStale;
    return r;
  }
  auto attr = opened->fs->GetAttr(fh->ino);
  if (!attr.ok()) {
    Code code = attr.status().code();
    r.stat = code == Code::kNotFound || code == Code::kStale ? kNfs3ErrStale : Nfs3StatOf(attr.status());
    return r;
  }
  if (attr->generation != fh->generation) {
    r.stat = kNfs3ErrStale;
    return r;
  }
  r.obj.exp = opened->exp;
  r.obj.fs = std::move(opened->fs);
  r.obj.fh = *fh;
  r.obj.attr = *attr;
  r.obj.caller = opened->exp->rules.MapCaller(rpc_.header.cred);
  return r;
}

std::optional<Object> Call::ResolveOrFail(std::string_view handle, XdrWriter& out, FailBody body) {
  Resolved r = Resolve(handle);
  if (r.ok()) return std::move(r.obj);
  out.U32(r.stat);
  WriteEmptyBody(out, body);
  return std::nullopt;
}

void WriteEmptyBody(XdrWriter& out, FailBody body) {
  out.Bool(false);                              // post_op_attr, or wcc_data's pre_op_attr
  if (body == FailBody::kWcc) out.Bool(false);  // wcc_data's post_op_attr
}

ProcOutcome FailWithAttr(XdrWriter& out, uint32_t stat, const Object& o) {
  out.U32(stat);
  WritePostOpAttr(out, o.attr, o.fsid());
  return ProcOutcome::Ok();
}

ProcOutcome FailWithWcc(XdrWriter& out, uint32_t stat, const Object& o) {
  out.U32(stat);
  WriteWcc(out, PreOp::Of(o.attr), o.fs->GetAttr(o.ino()), o.fsid());
  return ProcOutcome::Ok();
}

}  // namespace nasd::nfs::nfs3
