// ShareStore: the persistent list of shares, kept in the KV.
//
// A share is a named, independent file tree. Its id is allocated once and
// never reused, so handles and keys of a deleted share can never alias a new
// one. Every method is one KV transaction (retried on conflict) and durable
// when it returns. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kv/kv_engine.h"

namespace nasd::meta {

struct ShareInfo {
  std::string name;
  uint64_t id = 0;
  int64_t created_ns = 0;  // Unix time in nanoseconds
};

// 1-64 characters of [A-Za-z0-9._-], not starting with a dot.
// kInvalidArgument with a message saying what is wrong.
Status ValidateShareName(std::string_view name);

class ShareStore {
 public:
  explicit ShareStore(kv::KvEngine& kv) : kv_(kv) {}

  // kInvalidArgument for a bad name, kAlreadyExists if it exists.
  Result<ShareInfo> Create(std::string_view name);
  // Sorted by name.
  Result<std::vector<ShareInfo>> List();
  // kNotFound if absent.
  Result<ShareInfo> Get(std::string_view name);
  // True if the share holds any directory entry.
  Result<bool> HasEntries(const ShareInfo& share);
  // kNotFound if absent; kNotEmpty if it holds entries and !force. The
  // share's user grants ('P' keys) go in the same transaction. With force,
  // the share's records are removed too (in batches, after the share record
  // is gone, so no client can reach them any more).
  Status Delete(std::string_view name, bool force);

 private:
  kv::KvEngine& kv_;
};

}  // namespace nasd::meta
