// libcurl's multi-socket API driven by a Boost.Asio io_context: curl tells us which sockets
// to watch and when to wake it, Asio waits. All transfers run on the io_context's thread;
// nothing here is thread-safe. Internal to src/ (public headers stay free of curl and Asio):
// the client sees it as an http::Transport.
#pragma once

#include <cstddef>
#include <memory>

#include "ghharvest/http/transport.hpp"

namespace boost::asio {
class io_context;
}

namespace ghharvest::http {

class CurlMulti final : public Transport {
 public:
  explicit CurlMulti(boost::asio::io_context& io);
  // Aborts transfers in flight without running their callbacks.
  ~CurlMulti() override;
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  // Starts a GET; `done` runs once on the io_context thread (never from inside Start).
  TransferId Start(HttpGet request, TransferCallback done) override;
  // Aborts a transfer; its callback runs (posted) with cancelled = true. No-op when done.
  void Cancel(TransferId id) override;
  std::size_t in_flight() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ghharvest::http
