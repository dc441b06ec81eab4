// The metrics endpoint on a test's io_context: GET /metrics answers the registry's text with
// the exposition format's media type, other paths 404, other methods 405; a silent client is
// dropped; a port in use or a bad address fails Start; closing the server closes its
// connections.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "check_ok.hpp"
#include "ghharvest/metrics/registry.hpp"
#include "ghharvest/metrics/server.hpp"
#include "io_loop.hpp"
#include "plain_http.hpp"

using namespace ghharvest;
using testing::PlainHttp;

TEST_CASE("GET /metrics answers the registry's text in the exposition format") {
  boost::asio::io_context io;
  metrics::Registry registry;
  registry.Declare("ghharvest_up_total", metrics::Type::kCounter, "Test.");
  registry.Add("ghharvest_up_total", {{"kind", "a"}}, 3);
  int scrapes = 0;
  registry.AddCollector([&](metrics::Registry&) { ++scrapes; });
  auto server = metrics::Server::Start(io, registry, "127.0.0.1:0");
  REQUIRE_OK(server);
  const std::uint16_t port = (*server)->port();
  CHECK(port != 0);
  CHECK((*server)->address() == "127.0.0.1:" + std::to_string(port));

  auto r = PlainHttp(io, port, "/metrics");
  CHECK(r.status == 200);
  CHECK(r.headers.find("Content-Type: text/plain; version=0.0.4; charset=utf-8") !=
        std::string::npos);
  CHECK(r.body == registry.Render());  // the same text (the collector ran once more)
  CHECK(r.body.find("ghharvest_up_total{kind=\"a\"} 3\n") != std::string::npos);
  CHECK(scrapes == 2);

  // A query string is ignored, as Prometheus' scrape parameters are.
  CHECK(PlainHttp(io, port, "/metrics?name[]=x").status == 200);

  auto other = PlainHttp(io, port, "/");
  CHECK(other.status == 404);
  CHECK(other.body.find("/metrics") != std::string::npos);

  auto post =
      PlainHttp(io, port, "", "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
  CHECK(post.status == 405);
  CHECK(post.headers.find("Allow: GET, HEAD") != std::string::npos);

  auto head = PlainHttp(io, port, "", "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(head.status == 200);
  CHECK(head.body.empty());

  // Not HTTP at all: the connection is closed without an answer, the server keeps serving.
  auto junk = PlainHttp(io, port, "", "\x01\x02 garbage\r\n\r\n");
  CHECK(junk.status == 0);
  CHECK(PlainHttp(io, port, "/metrics").status == 200);
}

TEST_CASE("the metrics server refuses a port in use and an address that is not host:port") {
  boost::asio::io_context io;
  metrics::Registry registry;
  boost::asio::ip::tcp::acceptor taken(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const auto port = taken.local_endpoint().port();
  auto busy = metrics::Server::Start(io, registry, "127.0.0.1:" + std::to_string(port));
  REQUIRE_FALSE(busy.ok());
  CHECK(busy.status().code() == Status::Code::kUnavailable);
  CHECK(busy.status().message().find("127.0.0.1:" + std::to_string(port)) != std::string::npos);

  auto bad = metrics::Server::Start(io, registry, "nowhere");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Status::Code::kInvalidArgument);

  // Not an address of this machine.
  auto foreign = metrics::Server::Start(io, registry, "192.0.2.1:0");
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.status().code() == Status::Code::kUnavailable);
}

TEST_CASE("closing the metrics server closes the connections still open") {
  namespace asio = boost::asio;
  asio::io_context io;
  metrics::Registry registry;
  auto server = metrics::Server::Start(io, registry, "127.0.0.1:0");
  REQUIRE_OK(server);
  asio::ip::tcp::socket idle(io);
  idle.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), (*server)->port()));
  bool closed = false;
  char byte;
  idle.async_read_some(asio::buffer(&byte, 1),
                       [&](boost::system::error_code ec, std::size_t) { closed = bool(ec); });
  testing::RunFor(io, std::chrono::milliseconds(200));
  CHECK_FALSE(closed);  // still waiting for the request
  server->reset();      // the daemon stops, or a reload moves the endpoint
  CHECK(testing::RunUntil(
      io, [&] { return closed; }, std::chrono::seconds(5)));
}
