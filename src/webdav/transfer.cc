// COPY and MOVE of a tree (tree.h: TransferTree).
#include "webdav/props.h"
#include "webdav/tree.h"

namespace nasd::webdav {
namespace {

// Copies the dead properties (user.dav.* xattrs) of from onto to.
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

class Transfer {
 public:
  Transfer(TreeOp& op, bool move, bool recursive)
      : op_(op), r_(op.r), move_(move), recursive_(recursive) {}

  bool Run(const vfs::Attr& src, const TreeEntry& from, const TreeEntry& to, bool merge) {
    const bool dir = src.type == vfs::FileType::kDirectory;
    if (op_.Locked(to.path, dir) || (move_ && op_.Locked(from.path, dir))) return false;
    std::optional<vfs::Attr> existing;
    if (merge) {
      auto found = r_.fs->Lookup(r_.caller(), to.parent, to.path.Name());
      if (found.ok()) {
        existing = *found;
      } else if (found.status().code() != Code::kNotFound) {
        op_.Fail(to.path, dir, found.status());
        return false;
      }
    }
    if (existing && !(dir && existing->type == vfs::FileType::kDirectory)) {
      // What a failed removal left (already reported), or a newcomer.
      op_.Fail(to.path, existing->type == vfs::FileType::kDirectory,
               Status(Code::kAlreadyExists, "the destination member exists"));
      return false;
    }
    if (move_ && !existing && !op_.LockedWithin(from.path)) {
      Status st = r_.fs->Rename(r_.caller(), from.parent, from.path.Name(), to.parent,
                                to.path.Name(), vfs::kRenameNoReplace);
      if (!st.ok()) {
        op_.Fail(from.path, dir, st);
        return false;
      }
      r_.locks.RemoveTree(r_.share_id(), from.path);
      return true;
    }
    if (dir) return Collection(src, from, to, existing);
    if (src.type == vfs::FileType::kRegular && !move_) return CopyFile(src, from, to);
    // Symlinks and the like are not copied (a MOVE renamed them above).
    op_.Fail(from.path, false,
             Status(Code::kNotSupported, "only files and collections are copied"));
    return false;
  }

 private:
  bool Collection(const vfs::Attr& src, const TreeEntry& from, const TreeEntry& to,
                  const std::optional<vfs::Attr>& existing) {
    // The members are read before anything is made: an unreadable source
    // collection is skipped whole.
    std::vector<vfs::DirEntry> entries;
    if (recursive_) {
      Status readable = r_.fs->Access(r_.caller(), src.ino, vfs::kAccessRead | vfs::kAccessExec);
      auto listed =
          readable.ok() ? ListDir(r_, src.ino) : Result<std::vector<vfs::DirEntry>>(readable);
      if (!listed.ok()) {
        op_.Fail(from.path, true, listed.status());
        return false;
      }
      entries = std::move(*listed);
    }
    uint64_t dir = 0;
    if (existing) {
      dir = existing->ino;
    } else {
      auto made = r_.fs->Mkdir(r_.caller(), to.parent, to.path.Name(), src.mode & 07777);
      if (!made.ok()) {
        op_.Fail(to.path, true, made.status());
        return false;
      }
      dir = made->ino;
    }
    if (Status st = CopyDeadProps(r_, src.ino, dir); !st.ok()) {
      op_.Fail(to.path, true, st);
      return false;
    }
    bool all = true;
    for (const auto& e : entries) {
      const TreeEntry member_from{from.path.Child(e.name), src.ino};
      auto member = r_.fs->Lookup(r_.caller(), src.ino, e.name);
      if (!member.ok()) {
        if (member.status().code() == Code::kNotFound) continue;  // removed meanwhile
        op_.Fail(member_from.path, e.type == vfs::FileType::kDirectory, member.status());
        all = false;
        continue;
      }
      all &= Run(*member, member_from, {to.path.Child(e.name), dir}, existing.has_value());
    }
    if (!move_ || !all) return all;  // a MOVE keeps a source collection with members left
    Status st = r_.fs->Rmdir(r_.caller(), from.parent, from.path.Name());
    if (!st.ok()) {
      op_.Fail(from.path, true, st);
      return false;
    }
    r_.locks.RemoveTree(r_.share_id(), from.path);
    return true;
  }

  bool CopyFile(const vfs::Attr& src, const TreeEntry& from, const TreeEntry& to) {
    Status readable = r_.fs->OpenFile(r_.caller(), src.ino, vfs::OpenFlags{.read = true}).status();
    if (!readable.ok()) {
      op_.Fail(from.path, false, readable);
      return false;
    }
    auto folder = r_.fs->GetAttr(to.parent);
    auto tmp = folder.ok() ? r_.fs->CreateTemp(r_.caller(), *folder, src.mode & 0777)
                           : Result<vfs::Attr>(folder.status());
    if (!tmp.ok()) {
      op_.Fail(to.path, false, tmp.status());
      return false;
    }
    const DavPath* blame = &to.path;
    auto copy = [&]() -> Result<vfs::Attr> {
      uint64_t off = 0;
      while (true) {
        auto data = r_.fs->Read(src.ino, off, 1 << 20);
        if (!data.ok()) {
          blame = &from.path;
          return data.status();
        }
        if (data->empty()) break;
        NASD_RETURN_IF_ERROR(r_.fs->Write(r_.caller(), tmp->ino, off, *data).status());
        off += data->size();
      }
      NASD_RETURN_IF_ERROR(r_.fs->Fsync(tmp->ino));
      return r_.fs->PublishTemp(r_.caller(), tmp->ino, to.parent, to.path.Name());
    };
    auto published = copy();
    if (!published.ok()) {
      r_.fs->DropTemp(tmp->ino).IgnoreError();  // the copy's failure is what matters
      op_.Fail(*blame, false, published.status());
      return false;
    }
    if (Status st = CopyDeadProps(r_, src.ino, published->ino); !st.ok()) {
      op_.Fail(to.path, false, st);
      return false;
    }
    return true;
  }

  TreeOp& op_;
  DavRequest& r_;
  const bool move_;
  const bool recursive_;
};

}  // namespace

bool TransferTree(TreeOp& op, bool move, bool recursive, const vfs::Attr& src,
                  const TreeEntry& from, const TreeEntry& to, bool merge) {
  return Transfer(op, move, recursive).Run(src, from, to, merge);
}

}  // namespace nasd::webdav
