// The in-memory KvEngine: same contract and isolation as the RocksDB engine,
// nothing persisted. Used by tests of every layer above kv/.
//
// Snapshots, conflict detection and durability flags behave as kv_engine.h
// says (durable is accepted and meaningless). Thread-safe; one mutex
// serialises all access, so it is not for benchmarks.
#pragma once

#include <memory>

#include "kv/kv_engine.h"

namespace nasd::kv {

// observer, if set, is called after every Commit()/Write().
std::unique_ptr<KvEngine> NewMemEngine(CommitObserver observer = {});

}  // namespace nasd::kv
