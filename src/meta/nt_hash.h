// The NT hash SMB authentication (NTLMv2) is computed from: MD4 of the
// password in UTF-16LE. It is password-equivalent for SMB, so it is kept like
// a secret (never logged, never sent by the API); see docs/smb.md for why nasd
// stores it at all.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace nasd::meta {

// RFC 1320 MD4 of data.
std::array<uint8_t, 16> Md4(std::string_view data);

// The password (UTF-8; a byte that is not valid UTF-8 counts as its Latin-1
// character) as UTF-16LE.
std::string Utf16Le(std::string_view utf8);

// MD4(UTF-16LE(password)) as 32 uppercase hex digits, the smbpasswd form.
std::string NtHashHex(std::string_view password);

}  // namespace nasd::meta
