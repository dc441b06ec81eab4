// The metrics endpoint: `GET /metrics` over HTTP/1.1 on the daemon's own io_context (Boost.Beast,
// no thread of its own), answering the registry's text. Anything else gets 404 (another path)
// or 405 (another method). Each connection answers one request and closes; a client that
// sends nothing for 10 seconds is dropped, so a stuck scraper holds no socket for long.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ghharvest/metrics/registry.hpp"
#include "ghharvest/util/listen_address.hpp"
#include "ghharvest/util/status.hpp"

namespace boost::asio {
class io_context;
}

namespace ghharvest::metrics {

class Server {
 public:
  // Listens on `listen` (util/listen_address.hpp; port 0 picks a free one). kInvalidArgument for a
  // bad address, kUnavailable when it cannot be bound (in use, not a local address). `registry`
  // must outlive the server.
  static Result<std::unique_ptr<Server>> Start(boost::asio::io_context& io, Registry& registry,
                                               const std::string& listen);
  // Stops listening and closes the open connections; their handlers end without touching
  // the registry.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;
  // "host:port" as bound (the port filled in).
  std::string address() const;

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ghharvest::metrics
