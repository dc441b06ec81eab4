#include "ghharvest/metrics/server.hpp"

#include <list>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "ghharvest/util/log.hpp"

namespace ghharvest::metrics {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kReadTimeout = std::chrono::seconds(10);

// One accepted connection: read one request, answer it, close. Owned by the handlers in
// flight (shared_from_this); the server only keeps a weak reference to close it at shutdown.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, Registry* registry)
      : stream_(std::move(socket)), registry_(registry) {}

  void Start() {
    parser_.emplace();
    parser_->body_limit(8 * 1024);  // a scrape has no body
    stream_.expires_after(kReadTimeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  // The server is going away: no handler may read the registry after this.
  void Close() {
    registry_ = nullptr;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

 private:
  void OnRead(beast::error_code ec) {
    if (ec || registry_ == nullptr) return;  // timeout, reset, closed: nothing to answer
    const auto& req = parser_->get();
    response_.version(req.version());
    response_.keep_alive(false);
    response_.set(bhttp::field::server, "ghharvest/" GHHARVEST_VERSION);
    std::string_view target(req.target().data(), req.target().size());
    if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
      response_.result(bhttp::status::method_not_allowed);
      response_.set(bhttp::field::allow, "GET, HEAD");
      response_.set(bhttp::field::content_type, "text/plain; charset=utf-8");
      response_.body() = "only GET /metrics\n";
    } else if (target != "/metrics") {
      response_.result(bhttp::status::not_found);
      response_.set(bhttp::field::content_type, "text/plain; charset=utf-8");
      response_.body() = "not found: the metrics are at /metrics\n";
    } else {
      response_.result(bhttp::status::ok);
      // The text exposition format's media type, so Prometheus need not guess.
      response_.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      response_.body() = registry_->Render();
    }
    response_.prepare_payload();
    if (req.method() == bhttp::verb::head) response_.body().clear();
    stream_.expires_after(kReadTimeout);
    bhttp::async_write(stream_, response_,
                       [self = shared_from_this()](beast::error_code, std::size_t) {
                         beast::error_code ignored;
                         self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                         self->stream_.close();
                       });
  }

  beast::tcp_stream stream_;
  Registry* registry_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
};

}  // namespace

class Server::Impl {
 public:
  Impl(asio::io_context& io, Registry& registry) : registry_(registry), acceptor_(io) {}

  ~Impl() {
    beast::error_code ignored;
    acceptor_.close(ignored);
    for (auto& weak : connections_) {
      if (auto c = weak.lock()) c->Close();
    }
    *alive_ = false;
  }

  Status Listen(const ListenAddress& at, const std::string& text) {
    beast::error_code ec;
    auto address = asio::ip::make_address(at.host, ec);
    if (ec) {
      // A host name: the first address it resolves to (localhost, a machine's own name).
      tcp::resolver resolver(acceptor_.get_executor());
      auto found = resolver.resolve(at.host, std::to_string(at.port), ec);
      if (ec || found.empty()) {
        return Status::Unavailable(
            fmt::format("[metrics] listen {}: cannot resolve {}: {}", text, at.host, ec.message()));
      }
      address = found.begin()->endpoint().address();
    }
    tcp::endpoint endpoint(address, at.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::Unavailable(
          fmt::format("[metrics] listen {}: cannot listen: {}", text, ec.message()));
    }
    bound_ = acceptor_.local_endpoint(ec);
    Accept();
    return Status::Ok();
  }

  std::uint16_t port() const { return bound_.port(); }
  std::string address() const {
    const auto a = bound_.address();
    return a.is_v6() ? fmt::format("[{}]:{}", a.to_string(), bound_.port())
                     : fmt::format("{}:{}", a.to_string(), bound_.port());
  }

 private:
  void Accept() {
    acceptor_.async_accept([this, alive = alive_](beast::error_code ec, tcp::socket socket) {
      if (!*alive) return;
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        // Out of file descriptors and the like: keep serving those that get through.
        log::Warning("metrics: accept failed error=\"{}\"", ec.message());
      } else {
        auto c = std::make_shared<Connection>(std::move(socket), &registry_);
        Prune();
        connections_.push_back(c);
        c->Start();
      }
      Accept();
    });
  }

  void Prune() {
    connections_.remove_if([](const std::weak_ptr<Connection>& w) { return w.expired(); });
  }

  Registry& registry_;
  tcp::acceptor acceptor_;
  tcp::endpoint bound_;
  std::list<std::weak_ptr<Connection>> connections_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

Result<std::unique_ptr<Server>> Server::Start(asio::io_context& io, Registry& registry,
                                              const std::string& listen) {
  auto at = ParseListen(listen);
  if (!at.ok()) return Status::InvalidArgument("[metrics] listen " + at.status().message());
  auto impl = std::make_unique<Impl>(io, registry);
  if (Status s = impl->Listen(*at, listen); !s.ok()) return s;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;
std::uint16_t Server::port() const { return impl_->port(); }
std::string Server::address() const { return impl_->address(); }

}  // namespace ghharvest::metrics
