#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Result<Attr> Mkdir(OpContext& ctx, const Caller& caller, uint64_t parent, std::string_view name,
                   uint32_t mode) {
  NASD_ASSIGN_OR_RETURN(CreateResult r,
                        MakeNode(ctx, caller, parent, name, NodeSpec{FileType::kDirectory, mode}));
  return r.attr;
}

}  // namespace nasd::vfs::ops
