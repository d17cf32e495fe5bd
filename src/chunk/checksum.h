// Crc32c: the fast checksum every stored chunk segment carries.
//
// Standard CRC-32C (Castagnoli, as in iSCSI, ext4 and LevelDB), computed with
// ISA-L's hardware-accelerated crc32_iscsi. Crc32c("123456789") == 0xE3069283.
#pragma once

#include <cstdint>
#include <string_view>

namespace nasd::chunk {

// CRC-32C of data. seed is the CRC of preceding bytes, so
// Crc32c(b, Crc32c(a)) == Crc32c(a + b); the default 0 starts a new checksum.
// Any length is accepted (lengths above INT_MAX are processed in pieces).
uint32_t Crc32c(std::string_view data, uint32_t seed = 0);

}  // namespace nasd::chunk
