// Where S3 credentials come from, in the order the AWS tools use:
//   1. explicit keys (command-line flags or the config's storage.s3 keys);
//   2. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
//      AWS_SESSION_TOKEN;
//   3. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
//      $HOME/.aws/credentials), profile AWS_PROFILE or "default":
//      aws_access_key_id, aws_secret_access_key, aws_session_token.
// Errors name where the keys were looked for, never a key's value.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "chunk/s3/sigv4.h"
#include "common/status.h"

namespace nasd::chunk::s3 {

// Reads an environment variable (nullopt when unset); tests pass a fake.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
std::optional<std::string> ProcessEnv(const char* name);

// kInvalidArgument when only one of the explicit keys is given, or the
// file's profile has only one; kFailedPrecondition when no source has keys;
// kConfigInvalid for an unreadable or malformed credentials file.
Result<Credentials> ResolveCredentials(const Credentials& explicit_keys, const EnvLookup& env = ProcessEnv);

}  // namespace nasd::chunk::s3
