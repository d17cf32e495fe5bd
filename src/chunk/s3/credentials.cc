#include "chunk/s3/credentials.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

namespace nasd::chunk::s3 {
namespace {

std::string Trim(std::string s) {
  size_t a = s.find_first_not_of(" \t\r");
  size_t b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// Reads one profile of an INI credentials file. nullopt: no such file.
Result<std::optional<Credentials>> ReadProfile(const std::string& path, const std::string& profile) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::optional<Credentials>();
    return ConfigInvalid(fmt::format("cannot read S3 credentials file {}: {}", path, std::strerror(errno)));
  }
  Credentials c;
  bool in_profile = false;
  bool found = false;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') return ConfigInvalid(fmt::format("{}:{}: malformed section header", path, n));
      in_profile = Trim(line.substr(1, line.size() - 2)) == profile;
      found = found || in_profile;
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos) return ConfigInvalid(fmt::format("{}:{}: expected key = value", path, n));
    if (!in_profile) continue;
    std::string key = Trim(line.substr(0, eq));
    std::string value = Trim(line.substr(eq + 1));
    if (key == "aws_access_key_id") c.access_key = value;
    if (key == "aws_secret_access_key") c.secret_key = value;
    if (key == "aws_session_token") c.session_token = value;
  }
  if (!found || (c.access_key.empty() && c.secret_key.empty())) return std::optional<Credentials>();
  if (c.access_key.empty() || c.secret_key.empty()) {
    return InvalidArgument(fmt::format("profile [{}] in {} needs both aws_access_key_id and aws_secret_access_key",
                                       profile, path));
  }
  return std::optional<Credentials>(c);
}

}  // namespace

std::optional<std::string> ProcessEnv(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

Result<Credentials> ResolveCredentials(const Credentials& explicit_keys, const EnvLookup& env) {
  if (!explicit_keys.access_key.empty() || !explicit_keys.secret_key.empty()) {
    if (explicit_keys.access_key.empty() || explicit_keys.secret_key.empty()) {
      return InvalidArgument("an S3 access key and secret key must be given together");
    }
    return explicit_keys;
  }
  auto id = env("AWS_ACCESS_KEY_ID");
  auto secret = env("AWS_SECRET_ACCESS_KEY");
  if (id && secret) return Credentials{*id, *secret, env("AWS_SESSION_TOKEN").value_or("")};

  std::string path;
  if (auto p = env("AWS_SHARED_CREDENTIALS_FILE")) {
    path = *p;
  } else if (auto home = env("HOME")) {
    path = *home + "/.aws/credentials";
  }
  const std::string profile = env("AWS_PROFILE").value_or("default");
  if (!path.empty()) {
    NASD_ASSIGN_OR_RETURN(std::optional<Credentials> from_file, ReadProfile(path, profile));
    if (from_file) return *from_file;
  }
  return FailedPrecondition(fmt::format(
      "no S3 credentials: pass --access-key and --secret-key, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
      "or add profile [{}] to {}", profile, path.empty() ? "~/.aws/credentials" : path));
}

}  // namespace nasd::chunk::s3
