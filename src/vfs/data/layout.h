// How a regular file's bytes are laid out (docs/format/layout.md):
//   size <= kInlineMax: the bytes live inline in the file's 'N' record, no blocks;
//   size >  kInlineMax: fixed-size blocks; block i holds bytes
//     [i*block_size, (i+1)*block_size) in one chunk ('B' record: chunk id and
//     length; bytes past length, and blocks with no record, read as zeros).
// The rule depends on the size alone, so it is part of the on-disk format:
// kInlineMax never changes for an existing volume.
#pragma once

#include <cstdint>
#include <string_view>

namespace nasd::vfs::data {

inline constexpr uint64_t kInlineMax = 64 << 10;
// Blocks must be larger than the inline limit, so a file leaving the inline
// form fits its old bytes into block 0.
inline constexpr uint64_t kMinBlockSize = 128 << 10;
inline constexpr uint64_t kMaxBlockSize = 64 << 20;

inline bool IsInline(uint64_t size) { return size <= kInlineMax; }

// True when every byte is zero: such a block is stored as a hole.
bool AllZero(std::string_view bytes);

}  // namespace nasd::vfs::data
