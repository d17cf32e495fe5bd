#include <fmt/format.h>

#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Status Unlink(OpContext& ctx, const Caller& caller, uint64_t parent, std::string_view name) {
  if (IsDots(name)) return Status(Code::kIsDirectory, fmt::format("cannot unlink '{}'", name));
  NASD_RETURN_IF_ERROR(CheckName(name));
  return ctx.Write([&](ShareTxn& txn) -> Status {
    NASD_ASSIGN_OR_RETURN(Removal r, FindRemoval(txn, caller, parent, name));
    if (r.victim.type == FileType::kDirectory)
      return Status(Code::kIsDirectory, fmt::format("'{}' is a directory", name));
    const int64_t now = ctx.now();
    NASD_RETURN_IF_ERROR(txn.EraseEntry(parent, name));
    NASD_RETURN_IF_ERROR(DropLink(ctx, txn, r.ino, r.victim, now));
    return txn.TouchDir(parent, now);
  });
}

}  // namespace nasd::vfs::ops
