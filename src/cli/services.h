// Services: the storage stack of one running volume (KV, chunk store, share
// and user stores, metrics), opened from a Config and closed in order. cmd_serve owns
// one; nothing else holds these objects.
#pragma once

#include <memory>

#include "chunk/chunk_store.h"
#include "common/config.h"
#include "kv/kv_engine.h"
#include "meta/share_store.h"
#include "meta/user_store.h"
#include "meta/volume.h"
#include "metrics/metrics.h"
#include "vfs/share_mounts.h"

namespace nasd::cli {

struct Services {
  meta::VolumeInfo volume;
  std::unique_ptr<metrics::Registry> metrics;
  std::unique_ptr<kv::KvEngine> kv;
  std::unique_ptr<chunk::ChunkStore> chunks;
  std::unique_ptr<meta::ShareStore> shares;
  std::unique_ptr<meta::UserStore> users;

  // Flushes and closes the KV. Idempotent.
  Status Close();
};

// Opens the volume at config.storage.path. kFailedPrecondition with advice
// when the path holds no volume, or the KV belongs to another volume.
Result<std::unique_ptr<Services>> OpenServices(const Config& config);

// The options of the share Filesystems of a volume served in this process
// (serve, mount): the volume's block size, the disk's space on the local
// backend, the storage section's buffer and cache sizes, and on S3 the
// parallelism of storage.s3.concurrency for block uploads per file and
// readahead (threads and blocks).
vfs::ShareMountsOptions ShareMountsOptionsFrom(const Config& config, const Services& services);

}  // namespace nasd::cli
