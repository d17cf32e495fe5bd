#include "vfs/ops/ops.h"
#include "vfs/ops/xattr_access.h"

namespace nasd::vfs::ops {

Result<std::vector<std::string>> ListXattr(OpContext& ctx, const Caller& caller, uint64_t ino) {
  std::vector<std::string> out;
  NASD_RETURN_IF_ERROR(ctx.Read([&](ShareTxn& txn) -> Status {
    out.clear();
    NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
    NASD_ASSIGN_OR_RETURN(std::vector<std::string> names, txn.ListXattrs(ino));
    for (std::string& name : names) {
      if (XattrVisible(caller, rec, name)) out.push_back(std::move(name));
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace nasd::vfs::ops
