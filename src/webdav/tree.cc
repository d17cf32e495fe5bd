// Recursive helpers shared by DELETE, COPY and MOVE.
#include <fmt/format.h>

#include "webdav/methods.h"
#include "webdav/props.h"

namespace nasd::webdav {

bool RemoveTree(DavRequest& r, const DavPath& path, uint64_t parent, uint64_t ino,
                vfs::FileType type, std::vector<RemoveFailure>& failures) {
  Status st;
  if (type != vfs::FileType::kDirectory) {
    st = r.fs->Unlink(r.caller(), parent, path.Name());
  } else {
    auto entries = ListDir(r, ino);
    if (!entries.ok()) {
      st = entries.status();
    } else {
      bool all = true;
      for (const auto& e : *entries)
        all &= RemoveTree(r, path.Child(e.name), ino, e.ino, e.type, failures);
      if (!all) return false;  // the collection stays; its failed members are reported
      st = r.fs->Rmdir(r.caller(), parent, path.Name());
    }
  }
  if (st.ok() || st.code() == Code::kNotFound) return true;
  failures.push_back({path, st});
  return false;
}

Status RemoveEntry(DavRequest& r, uint64_t parent, const std::string& name, uint64_t ino,
                   vfs::FileType type) {
  std::vector<RemoveFailure> failures;
  if (RemoveTree(r, DavPath{{name}}, parent, ino, type, failures)) return Status::Ok();
  return failures.front().status;
}

Status CopyDeadProps(DavRequest& r, uint64_t from, uint64_t to) {
  NASD_ASSIGN_OR_RETURN(auto names, r.fs->ListXattr(r.caller(), from));
  for (const auto& n : names) {
    if (!ParseDeadPropXattr(n)) continue;
    auto value = r.fs->GetXattr(r.caller(), from, n);
    if (!value.ok()) {
      if (value.status().code() == Code::kNoAttribute) continue;
      return value.status();
    }
    NASD_RETURN_IF_ERROR(r.fs->SetXattr(r.caller(), to, n, *value));
  }
  return Status::Ok();
}

namespace {

Result<vfs::Attr> CopyFile(DavRequest& r, const vfs::Attr& src, uint64_t dst_parent,
                           const std::string& name) {
  NASD_RETURN_IF_ERROR(r.fs->OpenFile(r.caller(), src.ino, vfs::OpenFlags{.read = true}).status());
  NASD_ASSIGN_OR_RETURN(vfs::Attr tmp, r.fs->CreateTemp(r.caller(), dst_parent, src.mode & 0777));
  auto copy = [&]() -> Result<vfs::Attr> {
    uint64_t off = 0;
    while (true) {
      NASD_ASSIGN_OR_RETURN(std::string data, r.fs->Read(src.ino, off, 1 << 20));
      if (data.empty()) break;
      NASD_RETURN_IF_ERROR(r.fs->Write(r.caller(), tmp.ino, off, data).status());
      off += data.size();
    }
    NASD_RETURN_IF_ERROR(r.fs->Fsync(tmp.ino));
    return r.fs->PublishTemp(r.caller(), tmp.ino, dst_parent, name);
  };
  auto published = copy();
  if (!published.ok()) {
    r.fs->DropTemp(tmp.ino).IgnoreError();  // the copy's failure is what matters
    return published;
  }
  NASD_RETURN_IF_ERROR(CopyDeadProps(r, src.ino, published->ino));
  return published;
}

}  // namespace

Status CopyEntry(DavRequest& r, const vfs::Attr& src, uint64_t dst_parent, const std::string& name,
                 bool recursive) {
  if (src.type == vfs::FileType::kRegular) return CopyFile(r, src, dst_parent, name).status();
  if (src.type != vfs::FileType::kDirectory)
    return Status(Code::kNotSupported, "only files and collections are copied");
  NASD_ASSIGN_OR_RETURN(vfs::Attr dir, r.fs->Mkdir(r.caller(), dst_parent, name, src.mode & 07777));
  NASD_RETURN_IF_ERROR(CopyDeadProps(r, src.ino, dir.ino));
  if (!recursive) return Status::Ok();
  NASD_ASSIGN_OR_RETURN(auto entries, ListDir(r, src.ino));
  for (const auto& e : entries) {
    NASD_ASSIGN_OR_RETURN(vfs::Attr child, r.fs->GetAttr(e.ino));
    NASD_RETURN_IF_ERROR(CopyEntry(r, child, dir.ino, e.name, true));
  }
  return Status::Ok();
}

}  // namespace nasd::webdav
