#include "meta/share_store.h"

#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kv/retry.h"
#include "meta/chunk_refs.h"
#include "meta/keys.h"
#include "meta/records.h"

namespace nasd::meta {
namespace {

constexpr size_t kMaxShareName = 64;
constexpr size_t kDeleteBatch = 1000;

std::string Encode(const ShareInfo& s) {
  return nlohmann::json{{"name", s.name}, {"id", s.id}, {"created_ns", s.created_ns}}.dump();
}

Result<ShareInfo> Decode(std::string_view key, std::string_view value) {
  auto j = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j["name"].is_string() ||
      !j["id"].is_number_unsigned() || !j["created_ns"].is_number_integer()) {
    return Corruption(fmt::format("share record '{}' is malformed", key));
  }
  return ShareInfo{j["name"].get<std::string>(), j["id"].get<uint64_t>(), j["created_ns"].get<int64_t>()};
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status ValidateShareName(std::string_view name) {
  if (name.empty()) return InvalidArgument("share name must not be empty");
  if (name.size() > kMaxShareName) {
    return InvalidArgument(fmt::format("share name is {} characters; the limit is {}", name.size(), kMaxShareName));
  }
  if (name.front() == '.') return InvalidArgument("share name must not start with a dot");
  for (unsigned char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return InvalidArgument("share name may contain only letters, digits, '.', '_' and '-'");
    }
  }
  return Status::Ok();
}

Result<ShareInfo> ShareStore::Create(std::string_view name) {
  NASD_RETURN_IF_ERROR(ValidateShareName(name));
  ShareInfo info;
  Status st = kv::RunTransaction(kv_, [&](kv::Transaction& txn) -> Status {
    std::string key = keys::ShareKey(name);
    NASD_ASSIGN_OR_RETURN(auto existing, txn.Get(key));
    if (existing) return AlreadyExists(fmt::format("share '{}' already exists", name));
    NASD_ASSIGN_OR_RETURN(auto counter, txn.Get(keys::kNextShareIdCounter));
    uint64_t next = 1;
    if (counter && !keys::ReadU64(*counter, next)) return Corruption("share id counter is malformed");
    info = ShareInfo{std::string(name), next, NowNs()};
    std::string bumped;
    keys::AppendU64(bumped, next + 1);
    txn.Put(keys::kNextShareIdCounter, bumped);
    txn.Put(key, Encode(info));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return info;
}

Result<std::vector<ShareInfo>> ShareStore::List() {
  std::vector<ShareInfo> out;
  auto it = kv_.NewIterator(kv::Range::Prefix(keys::kSharePrefix));
  for (; it->Valid(); it->Next()) {
    NASD_ASSIGN_OR_RETURN(auto info, Decode(it->key(), it->value()));
    out.push_back(std::move(info));
  }
  NASD_RETURN_IF_ERROR(it->status());
  return out;
}

Result<ShareInfo> ShareStore::Get(std::string_view name) {
  NASD_RETURN_IF_ERROR(ValidateShareName(name));
  std::string key = keys::ShareKey(name);
  NASD_ASSIGN_OR_RETURN(auto value, kv_.Get(key));
  if (!value) return NotFound(fmt::format("share '{}' does not exist", name));
  return Decode(key, *value);
}

Result<bool> ShareStore::HasEntries(const ShareInfo& share) {
  auto it = kv_.NewIterator(kv::Range::Prefix(keys::DirEntryPrefix(share.id)));
  bool any = it->Valid();
  NASD_RETURN_IF_ERROR(it->status());
  return any;
}

Status ShareStore::Delete(std::string_view name, bool force) {
  NASD_RETURN_IF_ERROR(ValidateShareName(name));
  ShareInfo removed;
  Status st = kv::RunTransaction(kv_, [&](kv::Transaction& txn) -> Status {
    std::string key = keys::ShareKey(name);
    NASD_ASSIGN_OR_RETURN(auto value, txn.Get(key));
    if (!value) return NotFound(fmt::format("share '{}' does not exist", name));
    NASD_ASSIGN_OR_RETURN(removed, Decode(key, *value));
    if (!force) {
      NASD_ASSIGN_OR_RETURN(auto entries, txn.Scan(kv::Range::Prefix(keys::DirEntryPrefix(removed.id)), 1));
      if (!entries.empty()) {
        return NotEmpty(fmt::format("share '{}' is not empty; delete it with force to remove its files too", name));
      }
    }
    txn.Delete(key);
    // The share's grants go with it; a user's access must not outlive the share.
    NASD_ASSIGN_OR_RETURN(auto grants, txn.Scan(kv::Range::Prefix(keys::GrantPrefix(removed.id))));
    for (const kv::KeyValue& grant : grants) txn.Delete(grant.key);
    return Status::Ok();
  });
  if (!st.ok() || !force) return st;
  // The share is unreachable now. Its block records go first, each version
  // giving its chunk reference back in the same transaction, so the
  // collector can reclaim the data; then every other record, in bounded
  // batches.
  const kv::Range blocks = kv::Range::Prefix(keys::ShareDataPrefix(removed.id) + keys::kBlockTag);
  for (bool more = true; more;) {
    NASD_RETURN_IF_ERROR(kv::RunTransaction(kv_, [&](kv::Transaction& txn) -> Status {
      NASD_ASSIGN_OR_RETURN(auto batch, txn.Scan(blocks, kDeleteBatch));
      more = batch.size() == kDeleteBatch;
      for (const kv::KeyValue& kv : batch) {
        if (!(kv.value.size() == 1 && static_cast<uint8_t>(kv.value[0]) == kTombstone)) {
          NASD_ASSIGN_OR_RETURN(BlockRecord rec, DecodeBlock(kv.value));
          NASD_RETURN_IF_ERROR(AddChunkRef(txn, rec.chunk_id, -1));
        }
        txn.Delete(kv.key);
      }
      return Status::Ok();
    }));
  }
  kv::Range range = kv::Range::Prefix(keys::ShareDataPrefix(removed.id));
  for (;;) {
    kv::WriteBatch batch;
    auto it = kv_.NewIterator(range);
    for (; it->Valid() && batch.ops().size() < kDeleteBatch; it->Next()) batch.Delete(it->key());
    NASD_RETURN_IF_ERROR(it->status());
    if (batch.empty()) return Status::Ok();
    NASD_RETURN_IF_ERROR(kv_.Write(batch));
  }
}

}  // namespace nasd::meta
