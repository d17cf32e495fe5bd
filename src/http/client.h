// A small blocking HTTP/1.1 client for the CLI and tests (one request per
// connection). Not for use on an I/O thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/status.h"
#include "http/message.h"

namespace nasd::http {

struct ClientRequest {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string method = "GET";
  std::string target = "/";
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout{10'000};
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// kNetworkError when the server cannot be reached (message says why, e.g.
// "connection refused"), kTimeout when it does not answer in time.
Result<ClientResponse> Fetch(const ClientRequest& request);

}  // namespace nasd::http
