// How CLI commands talk to a running `nasd serve`: address and admin token
// come from the config; failures become one-line messages that say what to do.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "http/client.h"

namespace nasd::cli {

struct ApiReply {
  int status = 0;
  nlohmann::json body;  // null when the reply had no JSON body
};

// Sends method target (with an optional JSON body) to the server named in
// the config. Non-2xx replies become a Status whose message is the server's
// error message and HTTP status; kNetworkError says the server is not reachable.
Result<ApiReply> CallApi(const Config& config, const std::string& method, const std::string& target,
                         const nlohmann::json* body = nullptr);

// Runs fn with the loaded config, mapping config errors to exit 2 and API
// errors to exit 1.
int WithApi(const GlobalOptions& global, const std::function<Status(const Config&)>& fn);

}  // namespace nasd::cli
