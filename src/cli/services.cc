#include "cli/services.h"

#include <algorithm>

#include <fmt/format.h>

#include "api/api.h"
#include "cli/chunk_backend.h"
#include "cli/storage_layout.h"
#include "common/fs_info.h"
#include "kv/rocksdb/rocksdb_engine.h"

namespace nasd::cli {

Status Services::Close() {
  if (!kv) return Status::Ok();
  return kv->Close();
}

Result<std::unique_ptr<Services>> OpenServices(const Config& config) {
  const std::string& root = config.storage.path;
  NASD_ASSIGN_OR_RETURN(auto volume_file, ReadVolumeFile(root));
  if (!volume_file) {
    return FailedPrecondition(fmt::format(
        "storage path {} holds no nasd volume; create one with `nasd init --storage-path {}`", root, root));
  }
  if (volume_file->block_size != config.storage.block_size) {
    return FailedPrecondition(fmt::format(
        "config says storage.block_size {} but volume {} was created with {}; block size cannot change",
        config.storage.block_size, volume_file->volume_id, volume_file->block_size));
  }

  auto s = std::make_unique<Services>();
  s->volume = *volume_file;
  s->metrics = std::make_unique<metrics::Registry>();
  auto& commit_latency = s->metrics->AddHistogram(
      "nasd_kv_commit_duration_seconds", "Latency of KV commits (durable commits include the WAL sync).",
      {"result"}, metrics::LatencyBuckets());
  kv::CommitObserver observer = [&commit_latency](double seconds, bool ok) {
    commit_latency.With({ok ? "ok" : "error"}).Observe(seconds);
  };
  NASD_ASSIGN_OR_RETURN(s->kv, kv::OpenRocksDb(MetaPath(root), observer));
  NASD_ASSIGN_OR_RETURN(auto stamped, meta::LoadVolume(*s->kv));
  if (!stamped || stamped->volume_id != volume_file->volume_id) {
    Status closed = s->kv->Close();
    closed.IgnoreError();  // the mismatch is the error worth reporting
    return FailedPrecondition(fmt::format("metadata in {} does not belong to volume {} (VOLUME file); "
                                          "refusing to serve a mixed-up volume",
                                          MetaPath(root), volume_file->volume_id));
  }
  auto backend = OpenChunkBackend(config);
  if (!backend.ok()) {
    Status closed = s->kv->Close();
    closed.IgnoreError();  // the backend's failure is the error worth reporting
    return backend.status().WithContext("open chunk store");
  }
  s->chunks = std::make_unique<chunk::ChunkStore>(std::move(backend).value());
  s->shares = std::make_unique<meta::ShareStore>(*s->kv);
  s->users = std::make_unique<meta::UserStore>(*s->kv);
  metrics::RegisterProcessMetrics(*s->metrics);
  api::RegisterStorageMetrics(*s->metrics, *s->kv, *s->chunks);
  return s;
}

vfs::ShareMountsOptions ShareMountsOptionsFrom(const Config& config, const Services& services) {
  vfs::ShareMountsOptions o;
  o.filesystem.block_size = services.volume.block_size;
  o.filesystem.list_snapshots = config.snapshots.visible;
  if (config.storage.backend == "local") {
    o.filesystem.space = [path = config.storage.path] { return StatFs(path); };
  }
  o.dirty_budget_bytes = config.storage.write_buffer;
  o.cache_bytes = config.storage.block_cache;
  if (config.storage.backend == "s3") {
    // Each block is one request with a round trip: keep as many in flight per
    // file as the client runs at once, in both directions. Readahead stays
    // within half the block cache, so chunks read ahead are not evicted
    // before the reader gets to them.
    const size_t n = static_cast<size_t>(config.storage.s3.concurrency);
    const size_t fit = std::max<uint64_t>(1, config.storage.block_cache / services.volume.block_size / 2);
    o.filesystem.write_uploads = n;
    o.filesystem.readahead_blocks = std::min(n, fit);
    o.readahead_threads = static_cast<int>(o.filesystem.readahead_blocks);
  }
  return o;
}

}  // namespace nasd::cli
