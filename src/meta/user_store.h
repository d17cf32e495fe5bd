// UserStore: the people who may reach shares over WebDAV and SMB,
// their passwords, and what each may do on each share. Kept in the KV next to
// the shares (keys 'U' and 'P', docs/format/keys.md).
//
// Every change is one KV transaction (retried on conflict) and durable when it
// returns. Passwords are stored as Argon2id hashes (meta/password.h), plus
// the NT hash SMB logins need (meta/nt_hash.h, docs/smb.md).
// Thread-safe; the store must not outlive its KvEngine.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "kv/kv_engine.h"
#include "meta/password.h"
#include "meta/verify_cache.h"

namespace nasd::meta {

enum class ShareAccess { kNone, kReadOnly, kReadWrite };

// "none", "read-only", "read-write".
std::string_view ShareAccessName(ShareAccess access);
// The inverse of ShareAccessName; kInvalidArgument for anything else.
Result<ShareAccess> ParseShareAccess(std::string_view name);

struct UserRecord {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string password_hash;  // Argon2id PHC string; never sent or logged
  int64_t created_ns = 0;     // Unix time in nanoseconds
  // NT hash (meta/nt_hash.h) for Samba's passdb; empty for users whose
  // password was set before nasd kept it. Never sent or logged.
  std::string nt_hash;
};

// 1-32 of [a-z0-9_.-], starting with a letter or '_' (POSIX-portable, so the
// same names work as Samba and Unix accounts). kInvalidArgument saying why.
Status ValidateUserName(std::string_view name);

// The first uid (and gid) handed out when none is given.
inline constexpr uint32_t kFirstAllocatedId = 10000;

struct UserStoreOptions {
  PasswordCost password_cost;         // Argon2id INTERACTIVE by default
  VerifyCache::Options verify_cache;  // 1024 entries, 5 min TTL by default
};

// Counters of Verify() work, for metrics and tests.
struct VerifyStats {
  uint64_t hashes = 0;      // Argon2id verifications run (dummy ones included)
  uint64_t cache_hits = 0;  // successes answered from the cache
};

class UserStore {
 public:
  explicit UserStore(kv::KvEngine& kv, UserStoreOptions options = {});

  // Adds a user. uid and gid must not be 0 (root) or 2^32-1 (POSIX "no id");
  // several users may share a uid or gid. kInvalidArgument for a bad name,
  // password or id; kAlreadyExists if the name is taken.
  Status Add(std::string_view name, std::string_view password, uint32_t uid, uint32_t gid);
  // Add, with a uid allocated when absent: the lowest id >= the last one
  // allocated (kFirstAllocatedId at first) that no user holds as uid. An
  // absent gid becomes the uid. Returns the record (password_hash included).
  Result<UserRecord> Create(std::string_view name, std::string_view password,
                            std::optional<uint32_t> uid, std::optional<uint32_t> gid);
  // kNotFound if the user does not exist; kInvalidArgument for a bad password.
  Status SetPassword(std::string_view name, std::string_view password);
  // Removes the user and all of the user's grants. kNotFound if absent.
  Status Delete(std::string_view name);
  // Sorted by name.
  Result<std::vector<UserRecord>> List();
  // nullopt if absent; kInvalidArgument for an invalid name.
  Result<std::optional<UserRecord>> Get(std::string_view name);

  // True when name exists and password matches. A repeat of a recent success
  // is answered from the VerifyCache (one KV read, no Argon2id); everything
  // else costs one Argon2id verification, an unknown or invalid name included
  // (against a dummy hash), so timing does not reveal which names exist.
  // Errors only for KV failures.
  Result<bool> Verify(std::string_view name, std::string_view password);
  // Verify's answer when the VerifyCache gives it (true), else nullopt: no
  // Argon2id runs, so callers on latency-critical threads can try this first
  // and hand the rest to Verify elsewhere. Never false, so that a failed or
  // unknown name always costs a full Verify (timing reveals nothing).
  Result<std::optional<bool>> VerifyCached(std::string_view name, std::string_view password);
  VerifyStats verify_stats() const;

  // Sets user's access to the share; kNone revokes (as Revoke, but never
  // kNotFound for a missing grant). kNotFound for an unknown user. The caller
  // resolves the share: the id is not checked against the share list.
  Status Grant(uint64_t share_id, std::string_view user, ShareAccess access);
  // kNotFound if the user has no grant on the share.
  Status Revoke(uint64_t share_id, std::string_view user);
  // kNone for an unknown user or one without a grant.
  Result<ShareAccess> Access(uint64_t share_id, std::string_view user);
  // The share's grants, sorted by user name.
  Result<std::vector<std::pair<std::string, ShareAccess>>> ListGrants(uint64_t share_id);

 private:
  Result<std::optional<UserRecord>> Load(std::string_view name);
  const std::string& DummyHash();

  kv::KvEngine& kv_;
  const UserStoreOptions options_;
  VerifyCache cache_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;  // written once under dummy_once_
  std::atomic<uint64_t> hashes_{0};
  std::atomic<uint64_t> cache_hits_{0};
};

}  // namespace nasd::meta
