// One raw HTTP/1.1 exchange with a server on 127.0.0.1, driven on the test's own io_context
// (so it works with a server on that same io_context, or in another process): connect, send
// `request` as given, read until the server closes. For tests of small servers (the metrics
// endpoint) where the request itself is under test: a wrong method, a bad path.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "io_loop.hpp"

namespace ghharvest::testing {

struct PlainResponse {
  int status = 0;       // 0: no response
  std::string headers;  // the head, as sent
  std::string body;
};

// GET `path` ("/metrics") unless `request` is given whole.
inline PlainResponse PlainHttp(boost::asio::io_context& io, std::uint16_t port,
                               const std::string& path, std::string request = "") {
  namespace asio = boost::asio;
  using tcp = asio::ip::tcp;
  if (request.empty()) {
    request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  }
  tcp::socket socket(io);
  std::string raw;
  bool done = false;
  socket.async_connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](boost::system::error_code ec) {
        if (ec) {
          done = true;
          return;
        }
        asio::async_write(socket, asio::buffer(request),
                          [&](boost::system::error_code ec2, std::size_t) {
                            if (ec2) {
                              done = true;
                              return;
                            }
                            asio::async_read(socket, asio::dynamic_buffer(raw),
                                             [&](boost::system::error_code, std::size_t) {
                                               done = true;  // EOF (or reset) ends it
                                             });
                          });
      });
  RunUntil(io, [&] { return done; });
  PlainResponse r;
  auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos) return r;
  r.status = std::stoi(raw.substr(9, 3));
  r.headers = raw.substr(0, head_end);
  r.body = raw.substr(head_end + 4);
  return r;
}

}  // namespace ghharvest::testing
