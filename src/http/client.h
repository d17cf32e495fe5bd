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
  // Deadline for connecting, sending and receiving together (name
  // resolution is not covered).
  std::chrono::milliseconds timeout{10'000};
  // Larger response bodies fail with kTooLarge.
  uint64_t max_response_bytes = 64 << 20;
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// kNetworkError when the server cannot be reached (message says why, e.g.
// "cannot connect to 127.0.0.1:8080: connection refused"), kTimeout when it
// does not answer in time. Any HTTP status is a successful Fetch. Host and
// User-Agent are added unless set; the request is sent with Connection: close.
Result<ClientResponse> Fetch(const ClientRequest& request);

}  // namespace nasd::http
