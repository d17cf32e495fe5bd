#include "meta/inode_allocator.h"

#include "kv/retry.h"
#include "meta/keys.h"

namespace nasd::meta {

Result<uint64_t> InodeAllocator::Next() {
  std::lock_guard<std::mutex> lock(mu_);
  if (next_ == limit_) {
    uint64_t first = 0;
    Status st = kv::RunTransaction(kv_, [&](kv::Transaction& txn) -> Status {
      std::string key = keys::InodeAllocKey(share_id_);
      NASD_ASSIGN_OR_RETURN(auto raw, txn.Get(key));
      first = kRootInode + 1;
      if (raw && (!keys::ReadU64(*raw, first) || raw->size() != 8)) {
        return Corruption("inode allocator record is malformed");
      }
      std::string bumped;
      keys::AppendU64(bumped, first + batch_);
      txn.Put(key, bumped);
      return Status::Ok();
    });
    NASD_RETURN_IF_ERROR(st);
    next_ = first;
    limit_ = first + batch_;
  }
  return next_++;
}

Result<uint64_t> InodeAllocator::Reserved() {
  NASD_ASSIGN_OR_RETURN(auto raw, kv_.Get(keys::InodeAllocKey(share_id_)));
  uint64_t next = kRootInode + 1;
  if (raw && (!keys::ReadU64(*raw, next) || raw->size() != 8)) {
    return Corruption("inode allocator record is malformed");
  }
  return next - 1;
}

}  // namespace nasd::meta
