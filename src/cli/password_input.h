// Reading a new password for `nasd user add` and `nasd user passwd`.
#pragma once

#include <cstdio>
#include <string>

#include "common/status.h"

namespace nasd::cli {

// When in is not a terminal: one line from in (its "\n" or "\r\n" removed),
// so scripts can pipe a password in. On a terminal: prompts on stderr twice
// with echo off and requires both to match. kInvalidArgument for an empty
// (or missing) password, one over meta::kMaxPasswordBytes, or a mismatch.
Result<std::string> ReadNewPassword(std::FILE* in);

}  // namespace nasd::cli
