#include "nfs/server.h"

#include <array>
#include <atomic>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "common/logging.h"
#include "common/thread_annotations.h"
#include "nfs/record_marking.h"

namespace nasd::nfs {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr size_t kReadChunk = 64 * 1024;

// The header of a one-fragment record of n bytes.
std::array<char, 4> RecordMark(size_t n) {
  uint32_t word = kLastFragment | static_cast<uint32_t>(n);
  return {static_cast<char>(word >> 24), static_cast<char>(word >> 16), static_cast<char>(word >> 8),
          static_cast<char>(word)};
}

// One client connection. Everything but the constants is touched only on
// the connection's strand (the socket's executor).
struct Connection : std::enable_shared_from_this<Connection> {
  Connection(uint64_t id, tcp::socket s, Peer p, size_t max_record)
      : id(id), socket(std::move(s)), peer(std::move(p)), wake(socket.get_executor()),
        write_timer(socket.get_executor()), idle_timer(socket.get_executor()), records(max_record) {}

  const uint64_t id;
  tcp::socket socket;
  const Peer peer;
  asio::steady_timer wake;         // the reader sleeps on it while too much is in flight
  asio::steady_timer write_timer;  // deadline of the write in progress
  asio::steady_timer idle_timer;   // closes a connection that went quiet
  RecordAssembler records;
  // Replies with their record marks, sent with one gathering write (mark,
  // encoded reply, bulk data, padding), so no reply byte is copied to join
  // them; front() is being written.
  struct Frame {
    std::array<char, 4> mark;
    XdrMessage reply;
  };
  std::deque<Frame> out;
  bool writing = false;
  bool closed = false;
  bool reading_done = false;  // the peer half-closed: close once the replies are out
  size_t in_flight = 0;            // calls running plus replies not yet written

  void Close(std::string_view why) {
    if (closed) return;
    closed = true;
    log::Debug("nfs.conn_closed").Uint("conn", id).Str("peer", peer.address).Str("why", why);
    error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    wake.cancel();
    write_timer.cancel();
    idle_timer.cancel();
  }
};

}  // namespace

class RpcServer::Impl {
 public:
  Impl(RpcServerOptions options, const Dispatcher& dispatcher)
      : options_(std::move(options)), dispatcher_(dispatcher), acceptor_(ioc_) {}

  Status Start() {
    error_code ec;
    auto addr = asio::ip::make_address(options_.host, ec);
    if (ec) return NetworkError(fmt::format("bad listen address '{}': {}", options_.host, ec.message()));
    tcp::endpoint ep(addr, options_.port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return NetworkError(fmt::format("listen on {}:{}: {}", options_.host, options_.port, ec.message()));
    port_ = acceptor_.local_endpoint().port();
    workers_ = std::make_unique<asio::thread_pool>(std::max(1, options_.worker_threads));
    // Calls running on the worker pool post their replies back to the
    // io_context, which must not run out of work meanwhile.
    work_.emplace(ioc_.get_executor());
    asio::co_spawn(ioc_, Accept(), asio::detached);
    for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
      io_threads_.emplace_back([this] { ioc_.run(); });
    }
    started_ = true;
    return Status::Ok();
  }

  void Stop() {
    if (!started_ || stopped_) return;
    stopped_ = true;
    stopping_ = true;
    asio::post(ioc_, [this] {
      error_code ec;
      acceptor_.close(ec);
    });
    // Stop reading: calls already received still run and are answered.
    ForEachConnection([](const std::shared_ptr<Connection>& c) {
      error_code ec;
      c->socket.shutdown(tcp::socket::shutdown_receive, ec);
    });
    auto deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
    while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ForEachConnection([](const std::shared_ptr<Connection>& c) { c->Close("server stopping"); });
    workers_->join();
    work_.reset();
    ioc_.stop();
    for (auto& t : io_threads_) t.join();
  }

  uint16_t port() const { return port_; }
  size_t InFlight() const { return in_flight_.load(); }

 private:
  void ForEachConnection(const std::function<void(const std::shared_ptr<Connection>&)>& fn) {
    std::vector<std::shared_ptr<Connection>> conns;
    {
      std::lock_guard lock(mu_);
      for (auto& [id, weak] : conns_) {
        if (auto c = weak.lock()) conns.push_back(std::move(c));
      }
    }
    for (auto& c : conns) {
      std::promise<void> done;
      asio::post(c->socket.get_executor(), [&] {
        fn(c);
        done.set_value();
      });
      done.get_future().wait();
    }
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      error_code ec;
      tcp::socket sock(asio::make_strand(ioc_));
      co_await acceptor_.async_accept(sock, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!acceptor_.is_open()) co_return;
        log::Warn("nfs.accept_failed").Str("error", ec.message());
        // Out of file descriptors, typically: wait instead of spinning.
        asio::steady_timer backoff(ioc_, std::chrono::milliseconds(100));
        co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      Peer peer;
      auto remote = sock.remote_endpoint(ec);
      if (ec) continue;
      auto addr = remote.address();
      if (addr.is_v6() && addr.to_v6().is_v4_mapped()) addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
      peer.address = addr.to_string();
      peer.port = remote.port();
      std::shared_ptr<Connection> conn;
      {
        std::lock_guard lock(mu_);
        std::erase_if(conns_, [](const auto& entry) { return entry.second.expired(); });
        if (static_cast<int>(conns_.size()) >= options_.max_connections) {
          log::Warn("nfs.too_many_connections").Str("peer", peer.address).Int("limit", options_.max_connections);
          sock.close(ec);
          continue;
        }
        if (ConnectionsFrom(peer.address) >= options_.max_connections_per_client) {
          log::Warn("nfs.too_many_connections_from_client")
              .Str("peer", peer.address)
              .Int("limit", options_.max_connections_per_client);
          sock.close(ec);
          continue;
        }
        conn = std::make_shared<Connection>(++next_id_, std::move(sock), peer, options_.max_record);
        conns_[conn->id] = conn;
      }
      asio::co_spawn(conn->socket.get_executor(), ReadLoop(conn), asio::detached);
    }
  }

  asio::awaitable<void> ReadLoop(std::shared_ptr<Connection> c) {
    error_code ec;
    c->socket.set_option(tcp::no_delay(true), ec);
    std::vector<char> buf(kReadChunk);
    ArmIdle(c);
    while (!c->closed) {
      size_t n = co_await c->socket.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      ArmIdle(c);
      std::string_view data(buf.data(), n);
      while (!data.empty() && !c->closed) {
        data.remove_prefix(c->records.Feed(data));
        if (!c->records.status().ok()) {
          log::Warn("nfs.bad_record").Str("peer", c->peer.address).Err(c->records.status());
          c->Close("bad record");
          break;
        }
        auto record = c->records.TakeRecord();
        if (!record) continue;
        while (c->in_flight >= options_.max_in_flight && !c->closed) {
          c->wake.expires_at(asio::steady_timer::time_point::max());
          co_await c->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        if (c->closed) break;
        ++c->in_flight;
        ++in_flight_;
        asio::post(*workers_, [this, c, rec = std::move(*record)] {
          std::optional<XdrMessage> reply = dispatcher_.HandleMessage(rec, c->peer);
          asio::post(c->socket.get_executor(), [this, c, reply = std::move(reply)]() mutable {
            if (!reply || c->closed) {
              Done(*c);
              return;
            }
            c->out.push_back(Connection::Frame{RecordMark(reply->size()), std::move(*reply)});
            if (!c->writing) WriteNext(c);
          });
        });
      }
    }
    // The peer closed (or we did). Replies still running are dropped when
    // they find the connection closed; the Connection dies with the last one.
    if (!ec || ec == asio::error::eof || stopping_.load()) {
      // A half-closed client may still read the replies to its last calls.
      c->reading_done = true;
      if (c->in_flight == 0) c->Close("eof");
    } else {
      c->Close(ec.message());
    }
    if (!c->records.idle()) log::Debug("nfs.partial_record").Str("peer", c->peer.address);
  }

  // Live connections from this address. Called under mu_.
  int ConnectionsFrom(const std::string& address) REQUIRES(mu_) {
    int n = 0;
    for (auto& [id, weak] : conns_) {
      if (auto c = weak.lock(); c && c->peer.address == address) ++n;
    }
    return n;
  }

  // (Re)starts the idle deadline; on the connection's strand. A connection
  // whose calls are still running is not idle: it waits for another period.
  void ArmIdle(const std::shared_ptr<Connection>& c) {
    if (options_.idle_timeout.count() <= 0 || c->closed) return;
    c->idle_timer.expires_after(options_.idle_timeout);
    c->idle_timer.async_wait([this, c](error_code ec) {
      if (ec || c->closed) return;  // re-armed, or closed meanwhile
      if (c->in_flight > 0) {
        ArmIdle(c);
        return;
      }
      log::Debug("nfs.idle_connection").Str("peer", c->peer.address);
      c->Close("idle");
    });
  }

  // One reply written (or dropped): room for another call.
  void Done(Connection& c) {
    --c.in_flight;
    --in_flight_;
    c.wake.cancel();
    if (c.reading_done && c.in_flight == 0) c.Close("eof");
  }

  void WriteNext(const std::shared_ptr<Connection>& c) {
    if (c->out.empty() || c->closed) {
      c->writing = false;
      for (; !c->out.empty(); c->out.pop_front()) Done(*c);
      return;
    }
    c->writing = true;
    c->write_timer.expires_after(options_.write_timeout);
    c->write_timer.async_wait([c](error_code ec) {
      if (!ec) c->Close("write timeout: the client stopped reading");
    });
    static constexpr char kZeros[4] = {};
    const Connection::Frame& f = c->out.front();
    // Mark, head, the tail's pieces in place (READ data in the block cache's
    // memory), padding.
    std::vector<asio::const_buffer> bufs;
    bufs.reserve(3 + f.reply.tail.size());
    bufs.push_back(asio::buffer(f.mark));
    bufs.push_back(asio::buffer(f.reply.head));
    for (const SharedBytes& piece : f.reply.tail) bufs.push_back(asio::buffer(piece.bytes.data(), piece.bytes.size()));
    bufs.push_back(asio::buffer(kZeros, XdrPad(f.reply.tail_size)));
    // asio's own completion conditions hand the socket at most 64 KiB per
    // sendmsg, so a 1 MiB READ reply took 17 system calls, each after an
    // epoll round trip of the io thread; offer the whole rest every time.
    auto whole = [](const error_code& ec, size_t) -> size_t { return ec ? 0 : SIZE_MAX; };
    asio::async_write(c->socket, bufs, whole, [this, c](error_code ec, size_t) {
      c->write_timer.cancel();
      c->out.pop_front();
      Done(*c);
      if (ec) {
        c->Close(ec.message());
        for (; !c->out.empty(); c->out.pop_front()) Done(*c);
        c->writing = false;
        return;
      }
      WriteNext(c);
    });
  }

  const RpcServerOptions options_;
  const Dispatcher& dispatcher_;
  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  tcp::acceptor acceptor_;
  std::unique_ptr<asio::thread_pool> workers_;
  std::vector<std::thread> io_threads_;
  uint16_t port_ = 0;
  bool started_ = false;
  bool stopped_ = false;
  std::atomic<size_t> in_flight_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  uint64_t next_id_ GUARDED_BY(mu_) = 0;
  // Every connection not yet destroyed (expired entries are purged on accept).
  std::map<uint64_t, std::weak_ptr<Connection>> conns_ GUARDED_BY(mu_);
};

RpcServer::RpcServer(RpcServerOptions options, const Dispatcher& dispatcher)
    : impl_(std::make_unique<Impl>(std::move(options), dispatcher)) {}
RpcServer::~RpcServer() { impl_->Stop(); }
Status RpcServer::Start() { return impl_->Start(); }
uint16_t RpcServer::port() const { return impl_->port(); }
void RpcServer::Stop() { impl_->Stop(); }
size_t RpcServer::InFlight() const { return impl_->InFlight(); }

}  // namespace nasd::nfs
