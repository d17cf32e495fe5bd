#include "meta/user_store.h"

#include <fmt/format.h>

#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "kv/retry.h"
#include "meta/keys.h"
#include "meta/nt_hash.h"

namespace nasd::meta {
namespace {

constexpr size_t kMaxUserName = 32;
constexpr uint32_t kNoId =
    std::numeric_limits<uint32_t>::max();  // (uid_t)-1 means "unchanged" to chown

std::string Encode(const UserRecord& u) {
  return nlohmann::json{{"name", u.name},
                        {"uid", u.uid},
                        {"gid", u.gid},
                        {"password_hash", u.password_hash},
                        {"created_ns", u.created_ns},
                        {"nt_hash", u.nt_hash}}
      .dump();
}

Result<UserRecord> Decode(std::string_view value) {
  auto j = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j["name"].is_string() ||
      !j["uid"].is_number_unsigned() || !j["gid"].is_number_unsigned() ||
      !j["password_hash"].is_string() || !j["created_ns"].is_number_integer() ||
      j["uid"].get<uint64_t>() > kNoId || j["gid"].get<uint64_t>() > kNoId) {
    // The key names the user; the value (holding a hash) is never quoted.
    return Corruption("user record is malformed");
  }
  UserRecord u{j["name"].get<std::string>(), j["uid"].get<uint32_t>(),
               j["gid"].get<uint32_t>(), j["password_hash"].get<std::string>(),
               j["created_ns"].get<int64_t>(), ""};
  // Absent in records written before SMB support.
  if (auto it = j.find("nt_hash"); it != j.end() && it->is_string()) u.nt_hash = it->get<std::string>();
  return u;
}

std::string EncodeGrant(ShareAccess access) {
  return nlohmann::json{{"access", ShareAccessName(access)}}.dump();
}

Result<ShareAccess> DecodeGrant(std::string_view value) {
  auto j = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j["access"].is_string())
    return Corruption("grant record is malformed");
  auto access = ParseShareAccess(j["access"].get<std::string>());
  if (!access.ok() || *access == ShareAccess::kNone)
    return Corruption("grant record has an unknown access level");
  return *access;
}

Status ValidateId(std::string_view what, uint32_t id) {
  if (id == 0)
    return InvalidArgument(fmt::format("{} 0 (root) is not allowed for a nasd user", what));
  if (id == kNoId) return InvalidArgument(fmt::format("{} {} is not a valid id", what, id));
  return Status::Ok();
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string UserMissing(std::string_view name) {
  return fmt::format("user '{}' does not exist", name);
}

}  // namespace

std::string_view ShareAccessName(ShareAccess access) {
  switch (access) {
    case ShareAccess::kReadOnly:
      return "read-only";
    case ShareAccess::kReadWrite:
      return "read-write";
    case ShareAccess::kNone:
      break;
  }
  return "none";
}

Result<ShareAccess> ParseShareAccess(std::string_view name) {
  for (ShareAccess a : {ShareAccess::kNone, ShareAccess::kReadOnly, ShareAccess::kReadWrite}) {
    if (name == ShareAccessName(a)) return a;
  }
  return InvalidArgument(
      fmt::format("access must be 'read-only', 'read-write' or 'none', not '{}'", name));
}

Status ValidateUserName(std::string_view name) {
  if (name.empty()) return InvalidArgument("user name must not be empty");
  if (name.size() > kMaxUserName) {
    return InvalidArgument(
        fmt::format("user name is {} characters; the limit is {}", name.size(), kMaxUserName));
  }
  const unsigned char first = name.front();
  if (!((first >= 'a' && first <= 'z') || first == '_')) {
    return InvalidArgument("user name must start with a lowercase letter or '_'");
  }
  for (unsigned char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok)
      return InvalidArgument(
          "user name may contain only lowercase letters, digits, '.', '_' and '-'");
  }
  return Status::Ok();
}

UserStore::UserStore(kv::KvEngine& kv, UserStoreOptions options)
    : kv_(kv), options_(std::move(options)), cache_(options_.verify_cache) {}

Status UserStore::Add(std::string_view name, std::string_view password, uint32_t uid,
                      uint32_t gid) {
  return Create(name, password, uid, gid).status();
}

Result<UserRecord> UserStore::Create(std::string_view name, std::string_view password,
                                     std::optional<uint32_t> uid, std::optional<uint32_t> gid) {
  NASD_RETURN_IF_ERROR(ValidateUserName(name));
  NASD_RETURN_IF_ERROR(ValidatePassword(password));
  if (uid) NASD_RETURN_IF_ERROR(ValidateId("uid", *uid));
  if (gid) NASD_RETURN_IF_ERROR(ValidateId("gid", *gid));
  // Hash once, outside the transaction: a retried commit must not pay again.
  NASD_ASSIGN_OR_RETURN(std::string hash, HashPassword(password, options_.password_cost));
  UserRecord user;
  Status st = kv::RunTransaction(kv_, [&](kv::Transaction& txn) -> Status {
    const std::string key = keys::UserKey(name);
    NASD_ASSIGN_OR_RETURN(auto existing, txn.Get(key));
    if (existing) return AlreadyExists(fmt::format("user '{}' already exists", name));
    user = UserRecord{std::string(name), uid.value_or(0), 0, hash, NowNs(), NtHashHex(password)};
    if (!uid) {
      // The counter is read (conflict-checked) and bumped by every
      // allocation, so two concurrent allocations cannot pick the same id,
      // and an id is never handed out twice, even after its user is deleted.
      NASD_ASSIGN_OR_RETURN(auto counter, txn.Get(keys::kNextUserIdCounter));
      uint64_t next = kFirstAllocatedId;
      if (counter && !keys::ReadU64(*counter, next))
        return Corruption("user id counter is malformed");
      NASD_ASSIGN_OR_RETURN(auto records, txn.Scan(kv::Range::Prefix(keys::kUserPrefix)));
      std::set<uint64_t> taken;
      for (const kv::KeyValue& kv : records) {
        NASD_ASSIGN_OR_RETURN(UserRecord other, Decode(kv.value));
        taken.insert(other.uid);
      }
      while (taken.contains(next)) ++next;
      if (next >= kNoId)
        return FailedPrecondition("no uid is left to allocate; give --uid explicitly");
      std::string bumped;
      keys::AppendU64(bumped, next + 1);
      txn.Put(keys::kNextUserIdCounter, bumped);
      user.uid = static_cast<uint32_t>(next);
    }
    user.gid = gid.value_or(user.uid);
    txn.Put(key, Encode(user));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return user;
}

Status UserStore::SetPassword(std::string_view name, std::string_view password) {
  NASD_RETURN_IF_ERROR(ValidateUserName(name));
  NASD_RETURN_IF_ERROR(ValidatePassword(password));
  NASD_ASSIGN_OR_RETURN(std::string hash, HashPassword(password, options_.password_cost));
  Status st = kv::RunTransaction(kv_, [&](kv::Transaction& txn) -> Status {
    const std::string key = keys::UserKey(name);
    NASD_ASSIGN_OR_RETURN(auto value, txn.Get(key));
    if (!value) return NotFound(UserMissing(name));
    NASD_ASSIGN_OR_RETURN(UserRecord user, Decode(*value));
    user.password_hash = hash;
    user.nt_hash = NtHashHex(password);
    txn.Put(key, Encode(user));
    return Status::Ok();
  });
  // Entries of the old hash could never hit again; dropping them frees memory.
  cache_.Forget(name);
  return st;
}

Status UserStore::Delete(std::string_view name) {
  NASD_RETURN_IF_ERROR(ValidateUserName(name));
  Status st = kv::RunTransaction(kv_, [&](kv::Transaction& txn) -> Status {
    const std::string key = keys::UserKey(name);
    NASD_ASSIGN_OR_RETURN(auto value, txn.Get(key));
    if (!value) return NotFound(UserMissing(name));
    txn.Delete(key);
    // Grants are keyed by share first, so finding one user's grants means
    // reading every grant: a few per share and user, read once per delete.
    // Grant() rewrites the user record, so a grant added concurrently
    // conflicts with this transaction instead of outliving the user.
    NASD_ASSIGN_OR_RETURN(auto grants, txn.Scan(kv::Range::Prefix(keys::kGrantPrefix)));
    for (const kv::KeyValue& g : grants) {
      uint64_t share_id = 0;
      std::string_view user;
      if (keys::SplitGrantKey(g.key, share_id, user) && user == name) txn.Delete(g.key);
    }
    return Status::Ok();
  });
  cache_.Forget(name);
  return st;
}

Result<std::vector<UserRecord>> UserStore::List() {
  std::vector<UserRecord> out;
  auto it = kv_.NewIterator(kv::Range::Prefix(keys::kUserPrefix));
  for (; it->Valid(); it->Next()) {
    NASD_ASSIGN_OR_RETURN(UserRecord user, Decode(it->value()));
    out.push_back(std::move(user));
  }
  NASD_RETURN_IF_ERROR(it->status());
  return out;
}

Result<std::optional<UserRecord>> UserStore::Load(std::string_view name) {
  NASD_ASSIGN_OR_RETURN(auto value, kv_.Get(keys::UserKey(name)));
  if (!value) return std::optional<UserRecord>();
  NASD_ASSIGN_OR_RETURN(UserRecord user, Decode(*value));
  return std::optional<UserRecord>(std::move(user));
}

Result<std::optional<UserRecord>> UserStore::Get(std::string_view name) {
  NASD_RETURN_IF_ERROR(ValidateUserName(name));
  return Load(name);
}

const std::string& UserStore::DummyHash() {
  std::call_once(dummy_once_, [this] {
    // Same cost as real hashes, so a miss takes as long as a wrong password.
    auto hash = HashPassword("nasd-dummy-password", options_.password_cost);
    dummy_hash_ = hash.ok() ? *hash : std::string();
  });
  return dummy_hash_;
}

Result<bool> UserStore::Verify(std::string_view name, std::string_view password) {
  // Over-long passwords are refused before hashing: they are never stored,
  // and hashing megabytes per request would be a cheap denial of service.
  if (!ValidatePassword(password).ok()) return false;
  std::optional<UserRecord> user;
  if (ValidateUserName(name).ok()) {
    NASD_ASSIGN_OR_RETURN(user, Load(name));
  }
  if (!user) {
    hashes_.fetch_add(1, std::memory_order_relaxed);
    bool matched = PasswordMatches(DummyHash(), password);
    (void)matched;  // only the time spent matters
    return false;
  }
  if (cache_.Contains(name, password, user->password_hash)) {
    cache_hits_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  hashes_.fetch_add(1, std::memory_order_relaxed);
  if (!PasswordMatches(user->password_hash, password)) return false;
  cache_.Insert(name, password, user->password_hash);
  return true;
}

Result<std::optional<bool>> UserStore::VerifyCached(std::string_view name,
                                                   std::string_view password) {
  if (!ValidatePassword(password).ok() || !ValidateUserName(name).ok()) {
    return std::optional<bool>();
  }
  NASD_ASSIGN_OR_RETURN(std::optional<UserRecord> user, Load(name));
  if (!user || !cache_.Contains(name, password, user->password_hash)) return std::optional<bool>();
  cache_hits_.fetch_add(1, std::memory_order_relaxed);
  return std::optional<bool>(true);
}

VerifyStats UserStore::verify_stats() const {
  return VerifyStats{hashes_.load(std::memory_order_relaxed),
                     cache_hits_.load(std::memory_order_relaxed)};
}

Status UserStore::Grant(uint64_t share_id, std::string_view user, ShareAccess access) {
  NASD_RETURN_IF_ERROR(ValidateUserName(user));
  return kv::RunTransaction(kv_, [&](kv::Transaction& txn) -> Status {
    const std::string user_key = keys::UserKey(user);
    NASD_ASSIGN_OR_RETURN(auto record, txn.Get(user_key));
    if (!record) return NotFound(UserMissing(user));
    // Rewritten unchanged so that a concurrent Delete(user), which reads this
    // key, conflicts with us rather than missing the new grant.
    txn.Put(user_key, *record);
    const std::string key = keys::GrantKey(share_id, user);
    if (access == ShareAccess::kNone) {
      txn.Delete(key);
    } else {
      txn.Put(key, EncodeGrant(access));
    }
    return Status::Ok();
  });
}

Status UserStore::Revoke(uint64_t share_id, std::string_view user) {
  NASD_RETURN_IF_ERROR(ValidateUserName(user));
  return kv::RunTransaction(kv_, [&](kv::Transaction& txn) -> Status {
    const std::string key = keys::GrantKey(share_id, user);
    NASD_ASSIGN_OR_RETURN(auto grant, txn.Get(key));
    if (!grant) return NotFound(fmt::format("user '{}' has no grant on this share", user));
    txn.Delete(key);
    return Status::Ok();
  });
}

Result<ShareAccess> UserStore::Access(uint64_t share_id, std::string_view user) {
  if (!ValidateUserName(user).ok()) return ShareAccess::kNone;
  NASD_ASSIGN_OR_RETURN(auto grant, kv_.Get(keys::GrantKey(share_id, user)));
  if (!grant) return ShareAccess::kNone;
  return DecodeGrant(*grant);
}

Result<std::vector<std::pair<std::string, ShareAccess>>> UserStore::ListGrants(uint64_t share_id) {
  std::vector<std::pair<std::string, ShareAccess>> out;
  auto it = kv_.NewIterator(kv::Range::Prefix(keys::GrantPrefix(share_id)));
  for (; it->Valid(); it->Next()) {
    uint64_t id = 0;
    std::string_view user;
    if (!keys::SplitGrantKey(it->key(), id, user)) return Corruption("grant key is malformed");
    NASD_ASSIGN_OR_RETURN(ShareAccess access, DecodeGrant(it->value()));
    out.emplace_back(std::string(user), access);
  }
  NASD_RETURN_IF_ERROR(it->status());
  return out;
}

}  // namespace nasd::meta
