// PathRead: a read planned with a path's lookup (Filesystem::LookupPath),
// in the walk's snapshot, sparing the reader MapRead's transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "vfs/data/file_data.h"
#include "vfs/types.h"

namespace nasd::vfs {

struct PathRead {
  struct Span {
    uint64_t offset = 0;
    uint64_t length = 0;
    bool operator==(const Span&) const = default;
  };
  // Which bytes of the file the path ends at are wanted, chosen from its
  // attributes (size, validators); nullopt for none. Called inside the
  // lookup's transaction, perhaps more than once (a retried transaction):
  // it must only compute.
  std::function<std::optional<Span>(const Attr&)> want;
  // The plan of those bytes (at most kMaxReadSize of them), set by
  // LookupPath when it may be used in place of MapRead's; else empty.
  std::optional<data::ReadPlan> plan;
};

}  // namespace nasd::vfs
