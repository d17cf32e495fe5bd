// Content-Type by file extension (a small built-in table; unknown types are
// application/octet-stream).
#pragma once

#include <string_view>

namespace nasd::webdav {

std::string_view ContentTypeFor(std::string_view name);

}  // namespace nasd::webdav
