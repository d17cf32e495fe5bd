#include "nfs/exports.h"

#include <arpa/inet.h>

#include <charconv>

#include <fmt/format.h>

namespace nasd::nfs {
namespace {

// Parses an IP into 4 or 16 bytes; false if it is neither.
bool ParseIp(std::string_view text, bool* v6, std::array<uint8_t, 16>* out) {
  std::string s(text);
  out->fill(0);
  if (inet_pton(AF_INET, s.c_str(), out->data()) == 1) {
    *v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out->data()) == 1) {
    *v6 = true;
    return true;
  }
  return false;
}

}  // namespace

Result<Cidr> Cidr::Parse(std::string_view text) {
  Cidr c;
  size_t slash = text.find('/');
  if (!ParseIp(text.substr(0, slash), &c.v6_, &c.bytes_)) {
    return InvalidArgument(fmt::format("'{}' is not an IP network", text));
  }
  const int max = c.v6_ ? 128 : 32;
  c.prefix_ = max;
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), c.prefix_);
    if (ec != std::errc() || end != p.data() + p.size() || p.empty() || c.prefix_ < 0 || c.prefix_ > max) {
      return InvalidArgument(fmt::format("'{}': bad prefix length", text));
    }
  }
  return c;
}

bool Cidr::Contains(std::string_view address) const {
  bool v6 = false;
  std::array<uint8_t, 16> a{};
  if (!ParseIp(address, &v6, &a) || v6 != v6_) return false;
  int bits = prefix_;
  for (size_t i = 0; bits > 0; ++i, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a[i] & mask) != (bytes_[i] & mask)) return false;
  }
  return true;
}

bool ExportRules::Allows(std::string_view address) const {
  for (const Cidr& n : networks) {
    if (n.Contains(address)) return true;
  }
  return false;
}

vfs::Caller ExportRules::MapCaller(const Credentials& cred) const {
  vfs::Caller anon{anonuid, anongid, {}};
  if (cred.flavor != AuthFlavor::kSys || squash == Squash::kAll) return anon;
  vfs::Caller c{cred.uid, cred.gid, cred.gids};
  if (squash == Squash::kRoot) {
    if (c.uid == 0) c.uid = anonuid;
    if (c.gid == 0) c.gid = anongid;
    for (uint32_t& g : c.groups) {
      if (g == 0) g = anongid;
    }
  }
  return c;
}

Result<Squash> ParseSquash(std::string_view text) {
  if (text == "root_squash") return Squash::kRoot;
  if (text == "no_root_squash") return Squash::kNone;
  if (text == "all_squash") return Squash::kAll;
  return InvalidArgument(fmt::format("squash '{}': want root_squash, no_root_squash or all_squash", text));
}

}  // namespace nasd::nfs
