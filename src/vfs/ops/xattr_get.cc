#include <fmt/format.h>

#include "vfs/ops/ops.h"
#include "vfs/ops/xattr_access.h"

namespace nasd::vfs::ops {

Result<std::string> GetXattr(OpContext& ctx, const Caller& caller, uint64_t ino,
                             std::string_view name) {
  NASD_RETURN_IF_ERROR(CheckXattrName(name));
  std::string out;
  NASD_RETURN_IF_ERROR(ctx.Read([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(InodeRecord rec, LoadInode(txn, ino));
    NASD_RETURN_IF_ERROR(CheckXattrAccess(caller, rec, name, /*write=*/false));
    NASD_ASSIGN_OR_RETURN(auto value, txn.GetXattr(ino, name));
    if (!value) return Status(Code::kNoAttribute, fmt::format("no attribute '{}'", name));
    out = std::move(*value);
    return Status::Ok();
  }));
  return out;
}

}  // namespace nasd::vfs::ops
