#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Result<Attr> Symlink(OpContext& ctx, const Caller& caller, uint64_t parent, std::string_view name,
                     std::string_view target) {
  NASD_ASSIGN_OR_RETURN(CreateResult r, MakeNode(ctx, caller, parent, name,
                                                 NodeSpec{FileType::kSymlink, 0777, target}));
  return r.attr;
}

}  // namespace nasd::vfs::ops
