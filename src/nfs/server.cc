#include "nfs/server.h"

#include <array>
#include <atomic>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <climits>
#include <system_error>

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

// A reply with its record mark, sent with one gathering write (mark, encoded
// reply, bulk data, padding), so no reply byte is copied to join them.
struct Frame {
  std::array<char, 4> mark;
  XdrMessage reply;
};

// The pieces of f after its first skip bytes.
std::vector<asio::const_buffer> FrameBuffers(const Frame& f, size_t skip) {
  static constexpr char kZeros[4] = {};
  std::vector<asio::const_buffer> bufs;
  bufs.reserve(3 + f.reply.tail.size());
  auto add = [&](const void* data, size_t n) {
    if (skip >= n) {
      skip -= n;
      return;
    }
    bufs.emplace_back(static_cast<const char*>(data) + skip, n - skip);
    skip = 0;
  };
  add(f.mark.data(), f.mark.size());
  add(f.reply.head.data(), f.reply.head.size());
  for (const SharedBytes& piece : f.reply.tail) add(piece.bytes.data(), piece.bytes.size());
  add(kZeros, XdrPad(f.reply.tail_size));
  return bufs;
}

// Writes what the socket takes now without waiting: the bytes written (all
// of bufs, or fewer when the socket's buffer is full), or -errno.
ssize_t SendNow(int fd, const std::vector<asio::const_buffer>& bufs) {
  std::vector<iovec> iov;
  iov.reserve(bufs.size());
  for (const auto& b : bufs) iov.push_back({const_cast<void*>(b.data()), b.size()});
  size_t total = 0, first = 0;
  while (first < iov.size()) {
    msghdr msg{};
    msg.msg_iov = iov.data() + first;
    msg.msg_iovlen = std::min<size_t>(iov.size() - first, IOV_MAX);
    ssize_t n = ::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return -errno;
    }
    total += static_cast<size_t>(n);
    for (size_t left = static_cast<size_t>(n); left > 0 && first < iov.size();) {
      size_t take = std::min(left, iov[first].iov_len);
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + take;
      iov[first].iov_len -= take;
      left -= take;
      if (iov[first].iov_len == 0) ++first;
    }
    while (first < iov.size() && iov[first].iov_len == 0) ++first;
  }
  return static_cast<ssize_t>(total);
}

// One client connection. The reading side, the timers and Close run on the
// connection's strand (the socket's executor). Replies are sent by the worker
// that made them, straight from its thread, when no write is in progress and
// the socket takes the whole reply at once (no hop to the io thread); else
// they queue in `out`, which the strand drains with asynchronous writes.
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
  std::chrono::steady_clock::time_point last_read;  // strand only

  std::mutex send_mu;  // the socket's sending side and the queue below
  // Replies waiting for the strand's writer; front() is being written, its
  // first front_sent bytes already are.
  std::deque<Frame> out GUARDED_BY(send_mu);
  size_t front_sent GUARDED_BY(send_mu) = 0;
  bool writing GUARDED_BY(send_mu) = false;  // the strand's writer owns sending
  std::atomic<bool> closed{false};           // set under send_mu, on the strand
  std::atomic<bool> reading_done{false};     // the peer half-closed: close once the replies are out
  std::atomic<size_t> in_flight{0};          // calls running plus replies not yet written

  // On the strand.
  void Close(std::string_view why) {
    {
      std::lock_guard lock(send_mu);
      if (closed) return;
      closed = true;
      error_code ec;
      socket.shutdown(tcp::socket::shutdown_both, ec);
      socket.close(ec);  // under send_mu: no worker sends to a reused descriptor
    }
    log::Debug("nfs.conn_closed").Uint("conn", id).Str("peer", peer.address).Str("why", why);
    wake.cancel();
    write_timer.cancel();
    idle_timer.cancel();
  }
};

}  // namespace

class RpcServer::Impl {
 public:
  Impl(RpcServerOptions options, const Dispatcher& dispatcher)
      : options_(std::move(options)),
        poll_stats_(options_.busy_poll_stats ? options_.busy_poll_stats : std::make_shared<BusyPollStats>()),
        dispatcher_(dispatcher),
        acceptor_(ioc_) {}

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
      // Polling pays only while no call runs on a worker, which would want
      // the CPU the poll holds.
      io_threads_.emplace_back([this] {
        RunBusyPolling(ioc_, options_.busy_poll, [this] { return in_flight_.load() == 0; },
                       *poll_stats_);
      });
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
    c->last_read = std::chrono::steady_clock::now();
    ArmIdle(c, options_.idle_timeout);
    while (!c->closed) {
      size_t n = 0;
      if (std::span<char> direct = c->records.DirectSpace(kReadChunk); !direct.empty()) {
        // The bulk of a large call (a WRITE's data) goes straight into its
        // record: no copy, and as much per system call as has arrived.
        size_t got = co_await c->socket.async_read_some(asio::buffer(direct.data(), direct.size()),
                                                        asio::redirect_error(asio::use_awaitable, ec));
        c->records.Filled(ec ? 0 : got);
      } else {
        n = co_await c->socket.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      }
      if (ec) break;
      c->last_read = std::chrono::steady_clock::now();
      std::string_view data(buf.data(), n);
      while (!c->closed) {
        data.remove_prefix(c->records.Feed(data));
        if (!c->records.status().ok()) {
          log::Warn("nfs.bad_record").Str("peer", c->peer.address).Err(c->records.status());
          c->Close("bad record");
          break;
        }
        // Feed stops after each completed record; none means data is used up.
        auto record = c->records.TakeRecord();
        if (!record) break;
        while (c->in_flight >= options_.max_in_flight && !c->closed) {
          c->wake.expires_at(asio::steady_timer::time_point::max());
          co_await c->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        if (c->closed) break;
        ++c->in_flight;
        ++in_flight_;
        const Dispatcher::Route route = dispatcher_.RouteOf(*record);
        // Alone: no other call is running or queued anywhere, and this
        // client has sent nothing more yet; a brief call then holds up no
        // one (what arrives meanwhile waits for one commit at most).
        const bool alone = in_flight_.load() == 1 && data.empty() && c->records.idle();
        if (route.quick) {
          Answer(c, *record);
        } else if (!(route.brief && alone && TryAnswer(c, *record, Wait::kBrief)) &&
                   !(route.try_quick && TryAnswer(c, *record, Wait::kNone))) {
          asio::post(*workers_, [this, c, rec = std::move(*record)] { Answer(c, rec); });
        }
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

  // Closes the connection once it has been quiet for idle_timeout; on the
  // strand. Reads only note their time (re-arming a timer per call costs
  // system calls); a connection whose calls are still running is not idle.
  void ArmIdle(const std::shared_ptr<Connection>& c, std::chrono::steady_clock::duration after) {
    if (options_.idle_timeout.count() <= 0 || c->closed) return;
    c->idle_timer.expires_after(after);
    c->idle_timer.async_wait([this, c](error_code ec) {
      if (ec || c->closed) return;  // closed meanwhile
      auto quiet = std::chrono::steady_clock::now() - c->last_read;
      if (c->in_flight > 0 || quiet < options_.idle_timeout) {
        ArmIdle(c, c->in_flight > 0 ? options_.idle_timeout : options_.idle_timeout - quiet);
        return;
      }
      log::Debug("nfs.idle_connection").Str("peer", c->peer.address);
      c->Close("idle");
    });
  }

  // One reply written (or dropped): room for another call. Any thread; the
  // reader is woken (and a half-closed connection closed) on the strand, and
  // only when that is needed.
  void Done(const std::shared_ptr<Connection>& c) {
    const size_t left = --c->in_flight;
    --in_flight_;
    if (left + 1 >= options_.max_in_flight || (left == 0 && c->reading_done)) {
      asio::post(c->socket.get_executor(), [c] {
        c->wake.cancel();
        if (c->reading_done && c->in_flight == 0) c->Close("eof");
      });
    }
  }

  // Runs the call in record and sends its reply; on a worker, or on the
  // strand for quick calls.
  void Answer(const std::shared_ptr<Connection>& c, std::string_view record) {
    std::optional<XdrMessage> reply = dispatcher_.HandleMessage(record, c->peer);
    if (reply) {
      Send(c, Frame{RecordMark(reply->size()), std::move(*reply)});
    } else {
      Done(c);
    }
  }

  // Tries the call in record with limited waiting (RpcCall::wait), on the
  // strand; false if it has to run on a worker (nothing was done).
  bool TryAnswer(const std::shared_ptr<Connection>& c, std::string_view record, Wait wait) {
    bool deferred = false;
    std::optional<XdrMessage> reply = dispatcher_.HandleMessage(record, c->peer, wait, &deferred);
    if (deferred) return false;
    if (reply) {
      Send(c, Frame{RecordMark(reply->size()), std::move(*reply)});
    } else {
      Done(c);
    }
    return true;
  }

  // A reply: sent from this thread when nothing else is being sent
  // and the socket takes all of it now; otherwise queued for the strand.
  void Send(const std::shared_ptr<Connection>& c, Frame frame) {
    std::unique_lock lock(c->send_mu);
    if (c->closed) {
      lock.unlock();
      Done(c);
      return;
    }
    if (c->writing) {
      c->out.push_back(std::move(frame));
      return;
    }
    ssize_t sent = SendNow(c->socket.native_handle(), FrameBuffers(frame, 0));
    if (sent < 0) {
      lock.unlock();
      std::string why = std::error_code(static_cast<int>(-sent), std::system_category()).message();
      asio::post(c->socket.get_executor(), [c, why] { c->Close(why); });
      Done(c);
      return;
    }
    if (static_cast<size_t>(sent) == frame.reply.size() + frame.mark.size()) {
      lock.unlock();
      Done(c);
      return;
    }
    c->out.push_back(std::move(frame));
    c->front_sent = static_cast<size_t>(sent);
    c->writing = true;
    lock.unlock();
    asio::post(c->socket.get_executor(), [this, c] { WriteNext(c); });
  }

  // Writes out.front() and what follows it; on the strand, while writing.
  void WriteNext(const std::shared_ptr<Connection>& c) {
    std::vector<asio::const_buffer> bufs;
    {
      std::lock_guard lock(c->send_mu);
      if (!c->out.empty() && !c->closed) {
        // The queue only grows at its back meanwhile, which leaves the front
        // element (and these buffers into it) in place.
        bufs = FrameBuffers(c->out.front(), c->front_sent);
      }
    }
    if (bufs.empty()) {
      DropQueued(c);
      return;
    }
    c->write_timer.expires_after(options_.write_timeout);
    c->write_timer.async_wait([c](error_code ec) {
      if (!ec) c->Close("write timeout: the client stopped reading");
    });
    // asio's own completion conditions hand the socket at most 64 KiB per
    // sendmsg, so a 1 MiB READ reply took 17 system calls, each after an
    // epoll round trip of the io thread; offer the whole rest every time.
    auto whole = [](const error_code& ec, size_t) -> size_t { return ec ? 0 : SIZE_MAX; };
    asio::async_write(c->socket, bufs, whole, [this, c](error_code ec, size_t) {
      c->write_timer.cancel();
      {
        std::lock_guard lock(c->send_mu);
        c->out.pop_front();
        c->front_sent = 0;
      }
      Done(c);
      if (ec) c->Close(ec.message());
      WriteNext(c);
    });
  }

  // Ends the strand's writing: drops what is queued (the connection is
  // closed, or nothing is left) and gives sending back to the workers.
  void DropQueued(const std::shared_ptr<Connection>& c) {
    size_t dropped = 0;
    {
      std::lock_guard lock(c->send_mu);
      dropped = c->out.size();
      c->out.clear();
      c->front_sent = 0;
      c->writing = false;
    }
    for (; dropped > 0; --dropped) Done(c);
  }

  const RpcServerOptions options_;
  const std::shared_ptr<BusyPollStats> poll_stats_;
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
