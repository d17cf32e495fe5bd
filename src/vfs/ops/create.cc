#include "vfs/ops/ops.h"

namespace nasd::vfs::ops {

Result<CreateResult> Create(OpContext& ctx, const Caller& caller, uint64_t parent,
                            std::string_view name, uint32_t mode, bool exclusive) {
  return MakeNode(ctx, caller, parent, name, NodeSpec{FileType::kRegular, mode, {}, exclusive});
}

}  // namespace nasd::vfs::ops
