// Chunk-store and KV figures for /metrics, read from the services at scrape time.
#include "api/api.h"

namespace nasd::api {

void RegisterStorageMetrics(metrics::Registry& registry, kv::KvEngine& kv, chunk::ChunkStore& chunks) {
  registry.AddGaugeCallback("nasd_chunk_store_chunks", "Chunks held by the chunk store.",
                            [&chunks] { return static_cast<double>(chunks.Usage().chunks); });
  registry.AddGaugeCallback("nasd_chunk_store_bytes", "Bytes held by the chunk store, framing included.",
                            [&chunks] { return static_cast<double>(chunks.Usage().bytes); });
  registry.AddGaugeCallback("nasd_chunk_store_usage_counted",
                            "1 once the chunk and byte figures are complete; 0 while the backend is still "
                            "counting them (S3, after start), when they are a lower bound.",
                            [&chunks] { return chunks.Usage().exact ? 1.0 : 0.0; });
  registry.AddCounterCallback("nasd_chunk_store_puts_total", "Chunk put operations.",
                              [&chunks] { return static_cast<double>(chunks.Stats().puts); });
  registry.AddCounterCallback("nasd_chunk_store_gets_total", "Chunk get operations.",
                              [&chunks] { return static_cast<double>(chunks.Stats().gets); });
  registry.AddCounterCallback("nasd_chunk_store_errors_total", "Chunk operations that failed.",
                              [&chunks] { return static_cast<double>(chunks.Stats().errors); });
  registry.AddCounterCallback("nasd_chunk_store_corruptions_total",
                              "Chunk reads that failed checksum verification.",
                              [&chunks] { return static_cast<double>(chunks.Stats().corruptions); });
  registry.AddCounterCallback("nasd_kv_commits_total", "KV transactions and batches committed.",
                              [&kv] { return static_cast<double>(kv.Stats().commits); });
  registry.AddCounterCallback("nasd_kv_conflicts_total", "KV transactions aborted by a conflict.",
                              [&kv] { return static_cast<double>(kv.Stats().conflicts); });
  registry.AddCounterCallback("nasd_kv_wal_syncs_total",
                              "Metadata log syncs (durable commits share them).",
                              [&kv] { return static_cast<double>(kv.Stats().wal_syncs); });
}

}  // namespace nasd::api
