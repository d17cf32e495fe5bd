// SharedBytes: a view of bytes together with whatever keeps them alive.
//
// Read paths hand data along by reference (a verified chunk in the block
// cache, a file's inline bytes, a shared block of zeros) so that an adapter
// can send it without copying; the owner is type-erased so that any buffer
// (a std::string, an aligned direct-I/O buffer from a pool) can back it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace nasd {

struct SharedBytes {
  std::shared_ptr<const void> owner;
  std::string_view bytes;

  // Takes s over; the view is all of it.
  static SharedBytes Of(std::string s) {
    auto owned = std::make_shared<const std::string>(std::move(s));
    std::string_view view(*owned);
    return SharedBytes{std::move(owned), view};
  }

  size_t size() const { return bytes.size(); }
};

}  // namespace nasd
