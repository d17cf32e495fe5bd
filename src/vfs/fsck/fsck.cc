#include "vfs/fsck/fsck.h"

#include "meta/share_store.h"
#include "meta/snapshot_store.h"

namespace nasd::vfs::fsck {

Result<FsckReport> Check(kv::KvEngine& kv, chunk::ChunkStore& chunks, FsckOptions options) {
  FsckReport report;
  NASD_ASSIGN_OR_RETURN(std::vector<meta::ShareInfo> shares, meta::ShareStore(kv).List());
  std::vector<uint64_t> ids;
  for (const meta::ShareInfo& share : shares) {
    ++report.shares;
    ids.push_back(share.id);
    Unreachable unreachable;
    NASD_RETURN_IF_ERROR(CheckTree(kv, share.id, 0, share.name, report, &unreachable));
    if (options.move_orphans) NASD_RETURN_IF_ERROR(Reconnect(kv, share.id, share.name, unreachable, report));
    NASD_ASSIGN_OR_RETURN(std::vector<meta::SnapshotInfo> snaps,
                          meta::SnapshotStore(kv, share.id).List());
    for (const meta::SnapshotInfo& s : snaps) {
      NASD_RETURN_IF_ERROR(CheckTree(kv, share.id, s.epoch, share.name + "@" + s.name, report));
    }
  }
  NASD_RETURN_IF_ERROR(CheckChunks(kv, chunks, ids, options, report));
  return report;
}

}  // namespace nasd::vfs::fsck
