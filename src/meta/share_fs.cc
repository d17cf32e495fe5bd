#include "meta/share_fs.h"

#include "kv/retry.h"
#include "meta/inode_allocator.h"
#include "meta/keys.h"
#include "meta/versioned.h"

namespace nasd::meta {

Result<ShareFsRecord> EnsureShareFs(kv::KvEngine& kv, uint64_t share_id, int64_t now_ns) {
  ShareFsRecord fs;
  Status st = kv::RunTransaction(kv, [&](kv::Transaction& txn) -> Status {
    const std::string key = keys::ShareFsKey(share_id);
    NASD_ASSIGN_OR_RETURN(auto raw, txn.Get(key));
    if (raw) {
      NASD_ASSIGN_OR_RETURN(fs, DecodeShareFs(*raw));
      return Status::Ok();
    }
    fs = ShareFsRecord{keys::kFirstEpoch, kRootInode, now_ns};
    InodeRecord root;
    root.type = FileType::kDirectory;
    // World-writable and sticky (like /tmp): share grants decide who reaches
    // the share at all; inside it every user may create entries and only
    // owners may remove or rename theirs.
    root.mode = 01777;
    root.nlink = 2;
    root.atime_ns = root.mtime_ns = root.ctime_ns = root.crtime_ns = now_ns;
    root.generation = 1;
    root.parent = kRootInode;
    WriteVersioned(txn, keys::InodeBase(share_id, kRootInode), fs.epoch, EncodeInode(root));
    txn.Put(key, EncodeShareFs(fs));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return fs;
}

}  // namespace nasd::meta
