// PROPPATCH (RFC 4918 9.2): sets and removes dead properties, all or
// nothing. The vfs has no multi-xattr transaction, so a failure part-way
// restores the values saved before the first change (a crash in between
// can leave a partial update).
#include <fmt/format.h>

#include <map>

#include "webdav/methods.h"
#include "webdav/props.h"

namespace nasd::webdav {
namespace {

struct Op {
  PropName name;
  std::optional<std::string> value;  // nullopt: remove
};

Result<std::vector<Op>> ParseOps(const XmlNode& root) {
  if (!root.Is(kDavNs, "propertyupdate"))
    return InvalidArgument("PROPPATCH body must be a DAV:propertyupdate element");
  std::vector<Op> ops;
  for (const XmlNode* action : root.Elements()) {
    const bool set = action->Is(kDavNs, "set");
    if (!set && !action->Is(kDavNs, "remove")) continue;
    const XmlNode* prop = action->Child(kDavNs, "prop");
    if (prop == nullptr) return InvalidArgument("DAV:set and DAV:remove need a DAV:prop");
    for (const XmlNode* p : prop->Elements()) {
      Op op{{p->ns, p->name}, std::nullopt};
      if (set) op.value = SerializeXml(*p);
      ops.push_back(std::move(op));
    }
  }
  if (ops.empty()) return InvalidArgument("PROPPATCH names no property");
  return ops;
}

int FailureStatus(const Status& st) {
  switch (st.code()) {
    case Code::kValueTooLarge:
    case Code::kNoSpace:
      return 507;
    case Code::kPermissionDenied:
    case Code::kNotPermitted:
      return 403;
    default:
      return 409;
  }
}

}  // namespace

http::Response HandleProppatch(DavRequest& r) {
  auto body = ReadXmlBody(r);
  if (!body.ok()) return ErrorResponse(body.status());
  if (!*body) return ErrorResponse(InvalidArgument("PROPPATCH needs a body"));
  auto ops = ParseOps(**body);
  if (!ops.ok()) return ErrorResponse(ops.status());
  auto attr = Resolve(r, r.path);
  if (!attr.ok()) return ErrorResponse(attr.status());
  if (auto refused = CheckWrite(r, {{r.path, false}})) return *refused;
  const uint64_t ino = attr->ino;
  const std::string href = r.HrefOf(r.path, attr->type == vfs::FileType::kDirectory);

  // Every op's status; a protected (live) property fails the whole request.
  std::vector<int> status(ops->size(), 200);
  bool failed = false;
  for (size_t i = 0; i < ops->size(); ++i) {
    if (IsLiveProp((*ops)[i].name)) {
      status[i] = 403;
      failed = true;
    }
  }
  std::map<std::string, std::optional<std::string>>
      saved;  // xattr -> value before (nullopt: absent)
  if (!failed) {
    for (size_t i = 0; i < ops->size(); ++i) {
      const Op& op = (*ops)[i];
      const std::string key = DeadPropXattr(op.name);
      if (!saved.contains(key)) {
        auto old = r.fs->GetXattr(r.caller(), ino, key);
        saved[key] = old.ok() ? std::optional<std::string>(*old) : std::nullopt;
      }
      Status st = op.value ? r.fs->SetXattr(r.caller(), ino, key, *op.value)
                           : r.fs->RemoveXattr(r.caller(), ino, key);
      if (!op.value && st.code() == Code::kNoAttribute) st = Status::Ok();
      if (!st.ok()) {
        status[i] = FailureStatus(st);
        failed = true;
        break;
      }
    }
    if (failed) {
      for (const auto& [key, value] : saved) {
        Status st = value ? r.fs->SetXattr(r.caller(), ino, key, *value)
                          : r.fs->RemoveXattr(r.caller(), ino, key);
        st.IgnoreError();  // best effort; the request already failed
      }
    }
  }
  std::map<int, std::string> by_status;
  for (size_t i = 0; i < ops->size(); ++i) {
    int s = failed && status[i] == 200 ? 424 : status[i];
    by_status[s] += PropElement((*ops)[i].name);
  }
  Multistatus ms;
  std::vector<Multistatus::Propstat> stats;
  for (auto& [s, props] : by_status) stats.push_back({s, std::move(props)});
  ms.AddProps(href, stats);
  return ms.Finish();
}

}  // namespace nasd::webdav
