#include "cli/api_client.h"

#include <fmt/format.h>

namespace nasd::cli {
namespace {

// A wildcard listen address is reached through loopback.
std::string ConnectHost(const std::string& host) {
  if (host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

}  // namespace

Result<ApiReply> CallApi(const Config& config, const std::string& method, const std::string& target,
                         const nlohmann::json* body) {
  NASD_ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(config.api.listen));
  http::ClientRequest req;
  req.host = ConnectHost(hp.host);
  req.port = hp.port;
  req.method = method;
  req.target = target;
  req.headers.Set("authorization", "Bearer " + config.api.admin_token);
  if (body != nullptr) {
    req.headers.Set("content-type", "application/json");
    req.body = body->dump();
  }
  auto resp = http::Fetch(req);
  if (!resp.ok()) {
    if (resp.status().code() == Code::kNetworkError || resp.status().code() == Code::kTimeout) {
      return Status(resp.status().code(),
                    fmt::format("cannot reach nasd at {}:{} ({}); is `nasd serve` running?", req.host,
                                req.port, resp.status().message()));
    }
    return resp.status();
  }
  ApiReply reply;
  reply.status = resp->status;
  if (!resp->body.empty()) {
    reply.body = nlohmann::json::parse(resp->body, nullptr, /*allow_exceptions=*/false);
    if (reply.body.is_discarded()) reply.body = nullptr;
  }
  if (reply.status >= 200 && reply.status < 300) return reply;
  std::string message = fmt::format("server answered HTTP {}", reply.status);
  if (reply.body.is_object() && reply.body.contains("error") && reply.body["error"].is_object()) {
    const auto& err = reply.body["error"];
    if (err.contains("message") && err["message"].is_string()) {
      message = fmt::format("{} (HTTP {})", err["message"].get<std::string>(), reply.status);
    }
  }
  if (reply.status == 401) message += "; check api.admin_token in the config";
  return Status(Code::kFailedPrecondition, message);
}

int WithApi(const GlobalOptions& global, const std::function<Status(const Config&)>& fn) {
  auto config = LoadConfigAndLogging(global);
  if (!config.ok()) return Fail(kExitUsage, config.status().message());
  Status st = fn(*config);
  // A locally rejected argument (e.g. a bad share name) is a usage error.
  if (!st.ok()) return Fail(st.code() == Code::kInvalidArgument ? kExitUsage : kExitFailed, st.message());
  return kExitOk;
}

}  // namespace nasd::cli
