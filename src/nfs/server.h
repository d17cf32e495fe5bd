// RpcServer: the TCP listener that serves ONC RPC programs (NFS, MOUNT,
// portmap) with record marking.
//
// Each connection reads records as they come and runs every call on a worker
// pool, so requests of one connection are pipelined and their replies are
// sent in completion order (RPC matches replies by xid). A connection stops
// reading while max_in_flight calls are running or waiting to be written, so
// a client that sends without reading holds at most that many replies in
// memory; a reply that cannot be written within write_timeout closes the
// connection. A record over max_record bytes closes the connection (RFC 5531
// offers no reply without a decodable call). A connection that has sent
// nothing for idle_timeout while none of its calls is running is closed, as
// Linux's knfsd does (clients reconnect transparently); one client address
// holds at most max_connections_per_client connections.
//
// Asio lives only in server.cc; this header is cheap to include.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "nfs/busy_poll.h"
#include "nfs/dispatcher.h"

namespace nasd::nfs {

struct RpcServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 2049;  // 0: any free port (see port())
  int io_threads = 1;
  int worker_threads = 4;
  int max_connections = 1024;
  int max_connections_per_client = 64;
  size_t max_in_flight = 64;          // per connection
  size_t max_record = (1 << 20) + (64 << 10);  // a 1 MiB WRITE plus headers
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds idle_timeout{360'000};  // 0: never
  std::chrono::milliseconds drain_timeout{15'000};
  // How long the network thread polls for the next call before it sleeps,
  // while calls come in quick succession (nfs/busy_poll.h); 0: never.
  std::chrono::microseconds busy_poll{0};
  // Where the polling's outcomes are counted (null: nowhere outside).
  std::shared_ptr<BusyPollStats> busy_poll_stats;
};

class RpcServer {
 public:
  // dispatcher must outlive the server.
  RpcServer(RpcServerOptions options, const Dispatcher& dispatcher);
  ~RpcServer();  // Stop()
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  // Binds and starts serving; kNetworkError if the address cannot be bound.
  Status Start();
  // The bound port (after Start).
  uint16_t port() const;
  // Stops accepting and reading, waits up to drain_timeout for running calls
  // to finish and their replies to be written, then closes every connection.
  void Stop();
  // Calls running or replies not yet written, over all connections.
  size_t InFlight() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace nasd::nfs
