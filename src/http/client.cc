// Blocking Fetch built on Beast's async operations run on a private
// io_context: async operations are the only ones tcp_stream can time out.
#include "http/client.h"

#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

namespace nasd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// Cap on the read buffer. Beast's parser consumes body bytes as they arrive,
// but waits for a whole chunk-size line (with extensions) or trailer in the
// buffer, and neither the header limit nor max_response_bytes bounds those:
// without a cap a broken or hostile server makes the client buffer until the
// deadline. The header (8 KiB default limit) and Beast's 64 KiB reads fit.
constexpr size_t kMaxReadBuffer = 128 * 1024;
constexpr size_t kReadBytes = 64 * 1024;

auto Redirect(beast::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

Status ConnectError(const ClientRequest& r, const beast::error_code& ec) {
  std::string where = fmt::format("{}:{}", r.host, r.port);
  if (ec == beast::error::timeout) {
    return Timeout(fmt::format("cannot connect to {}: no answer within {} ms", where,
                               r.timeout.count()));
  }
  std::string why = ec == asio::error::connection_refused ? "connection refused" : ec.message();
  return NetworkError(fmt::format("cannot connect to {}: {}", where, why));
}

Status ExchangeError(const ClientRequest& r, const beast::error_code& ec, std::string_view what) {
  std::string where = fmt::format("{}:{}", r.host, r.port);
  if (ec == beast::error::timeout) {
    return Timeout(fmt::format("{} {} {}: no answer within {} ms", r.method, where, r.target,
                               r.timeout.count()));
  }
  if (ec == bhttp::error::body_limit) {
    return TooLarge(fmt::format("response from {} exceeds {} bytes", where,
                                r.max_response_bytes));
  }
  return NetworkError(fmt::format("{} {} {}: {}: {}", r.method, where, r.target, what,
                                  ec.message()));
}

asio::awaitable<void> Run(const ClientRequest& r, std::optional<Result<ClientResponse>>* out) {
  auto ex = co_await asio::this_coro::executor;
  beast::error_code ec;
  tcp::resolver resolver(ex);
  auto endpoints = co_await resolver.async_resolve(r.host, std::to_string(r.port), Redirect(ec));
  if (ec) {
    out->emplace(NetworkError(fmt::format("cannot resolve host '{}': {}", r.host, ec.message())));
    co_return;
  }
  beast::tcp_stream stream(ex);
  // One deadline for the whole exchange.
  stream.expires_after(r.timeout);
  co_await stream.async_connect(endpoints, Redirect(ec));
  if (ec) {
    out->emplace(ConnectError(r, ec));
    co_return;
  }

  bhttp::request<bhttp::string_body> req;
  req.version(11);
  bhttp::verb verb = bhttp::string_to_verb(r.method);
  if (verb == bhttp::verb::unknown) {
    req.method_string(r.method);
  } else {
    req.method(verb);
  }
  req.target(r.target);
  for (const auto& [name, value] : r.headers.all()) req.insert(name, value);
  if (req.find(bhttp::field::host) == req.end()) {
    req.set(bhttp::field::host, fmt::format("{}:{}", r.host, r.port));
  }
  if (req.find(bhttp::field::user_agent) == req.end()) req.set(bhttp::field::user_agent, "nasd");
  req.keep_alive(false);
  req.body() = r.body;
  req.prepare_payload();
  co_await bhttp::async_write(stream, req, Redirect(ec));
  if (ec) {
    out->emplace(ExchangeError(r, ec, "sending request"));
    co_return;
  }

  beast::flat_buffer buffer(kMaxReadBuffer);
  // Beast reads into the room the buffer has, 512 bytes for an empty one:
  // an 8 MiB response took 16 000 receives.
  buffer.reserve(kReadBytes);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(r.max_response_bytes);
  parser.skip(verb == bhttp::verb::head);  // a HEAD response has no body
  co_await bhttp::async_read(stream, buffer, parser, Redirect(ec));
  if (ec) {
    out->emplace(ExchangeError(r, ec, "reading response"));
    co_return;
  }
  auto& res = parser.get();
  ClientResponse response;
  response.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    response.headers.Add(field.name_string(), std::string(field.value()));
  }
  response.body = std::move(res.body());
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  out->emplace(std::move(response));
}

}  // namespace

Result<ClientResponse> Fetch(const ClientRequest& request) {
  asio::io_context ioc;
  std::optional<Result<ClientResponse>> result;
  std::exception_ptr failure;
  asio::co_spawn(ioc, Run(request, &result), [&failure](std::exception_ptr e) { failure = e; });
  ioc.run();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      return Internal(fmt::format("http client: {}", e.what()));
    } catch (...) {
      return Internal("http client: unknown exception");
    }
  }
  if (!result) return Internal("http client finished without a result");
  return std::move(*result);
}

}  // namespace nasd::http
