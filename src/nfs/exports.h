// Export rules of one share: who may reach it over NFS (client networks),
// whether it is writable, and what AUTH_SYS identities become (squashing).
// Checked on every call, not only at MOUNT.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "nfs/rpc.h"
#include "vfs/types.h"

namespace nasd::nfs {

// An IPv4 or IPv6 network ("10.0.0.0/8", "::1/128", "127.0.0.1" = /32).
class Cidr {
 public:
  static Result<Cidr> Parse(std::string_view text);
  // address: textual IP. IPv4 addresses never match IPv6 networks (the
  // server turns v4-mapped addresses into plain IPv4 first).
  bool Contains(std::string_view address) const;

 private:
  bool v6_ = false;
  std::array<uint8_t, 16> bytes_{};
  int prefix_ = 0;
};

enum class Squash {
  kRoot,  // root_squash (default): uid 0 / gid 0 become anonuid / anongid
  kNone,  // no_root_squash
  kAll,   // all_squash: everyone is anonuid / anongid
};

struct ExportRules {
  std::vector<Cidr> networks;
  bool read_only = false;
  Squash squash = Squash::kRoot;
  uint32_t anonuid = 65534;
  uint32_t anongid = 65534;

  bool Allows(std::string_view address) const;
  // The vfs identity of a call. AUTH_NONE is anonymous, as with all_squash.
  vfs::Caller MapCaller(const Credentials& cred) const;
};

// Parses "root_squash" | "no_root_squash" | "all_squash".
Result<Squash> ParseSquash(std::string_view text);

}  // namespace nasd::nfs
