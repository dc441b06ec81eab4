// Beast HTTP/1.1 server for tests. Each connection is a session on its own strand; the
// handler runs on whichever of the io threads picked the request up, so with N threads up to
// N handlers run at once, and requests waiting out an injected `delay` do not hold a thread
// (that is what lets a test see 100 slow requests in flight with 4 threads).
//
// Responses are serialized by hand rather than with http::write: the fault modes need to lie
// about Content-Length or stop half-way, which Beast's serializer rightly refuses to do.
#include "fake_server.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include <zlib.h>

namespace ghharvest::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

std::string HttpRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string HttpRequest::query_param(const std::string& name, const std::string& fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

namespace {

// Beast's 8 KiB default would refuse a client that sends long conditional headers or cookies;
// 256 KiB is far beyond any sane request yet bounded (over it: 431).
constexpr std::uint32_t kHeaderLimit = 256u << 10;
constexpr std::uint64_t kBodyLimit = 64u << 20;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 &&
               HexValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string_view TrimSpace(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

}  // namespace

bool AcceptsGzip(std::string_view accept_encoding) {
  // RFC 9110 12.5.3: an explicit "gzip" entry decides; otherwise "*" does; q=0 refuses.
  std::optional<bool> gzip, star;
  while (!accept_encoding.empty()) {
    std::size_t comma = accept_encoding.find(',');
    std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding.remove_prefix(comma == std::string_view::npos ? accept_encoding.size()
                                                                  : comma + 1);
    std::size_t semi = item.find(';');
    std::string name = Lower(std::string(TrimSpace(item.substr(0, semi))));
    bool allowed = true;
    if (semi != std::string_view::npos) {
      std::string params = Lower(std::string(item.substr(semi + 1)));
      std::size_t q = params.find("q=");
      if (q != std::string::npos) allowed = std::strtod(params.c_str() + q + 2, nullptr) > 0;
    }
    if (name == "gzip" || name == "x-gzip") gzip = allowed;
    if (name == "*") star = allowed;
  }
  return gzip.value_or(star.value_or(false));
}

std::string GzipCompress(std::string_view data) {
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper (header and CRC-32 trailer) instead of zlib's.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate did not finish the gzip stream");
  return out;
}

std::multimap<std::string, std::string> ParseQueryString(std::string_view q) {
  std::multimap<std::string, std::string> out;
  while (!q.empty()) {
    std::size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    if (!part.empty()) {
      std::size_t eq = part.find('=');
      if (eq == std::string_view::npos) {
        out.emplace(PercentDecode(part), "");
      } else {
        out.emplace(PercentDecode(part.substr(0, eq)), PercentDecode(part.substr(eq + 1)));
      }
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

namespace {

bool BodyForbidden(int status, const std::string& method) {
  return method == "HEAD" || status == 204 || status == 304 || (status >= 100 && status < 200);
}

// Status line and headers; Content-Length is ours (the handler's copy, if any, is dropped so
// that fault modes control it), everything else is sent as the handler gave it.
std::string SerializeHead(const HttpResponse& r, std::optional<std::size_t> content_length,
                          bool keep_alive) {
  std::string reason(http::obsolete_reason(static_cast<http::status>(r.status)));
  if (reason == "<unknown-status>") reason = "Status";
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason + "\r\n";
  bool has_connection = false;
  for (const auto& [name, value] : r.headers) {
    std::string lower = Lower(name);
    if (lower == "content-length" || lower == "transfer-encoding") continue;
    if (lower == "connection") has_connection = true;
    out += name + ": " + value + "\r\n";
  }
  if (content_length) out += "Content-Length: " + std::to_string(*content_length) + "\r\n";
  if (!has_connection && !keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  return out;
}

}  // namespace

namespace fake_server_detail {

// Everything the sessions share with the server object.
struct ServerCore {
  // Declared before the io_context: sessions still queued in it when it is destroyed report
  // to these from their destructors.
  mutable std::mutex handler_mu;
  std::shared_ptr<const Handler> handler;
  std::atomic<int> in_flight{0};
  mutable std::mutex stats_mu;
  ServerStats stats;
  std::deque<RequestLogEntry> log;
  std::size_t log_capacity = std::numeric_limits<std::size_t>::max();

  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  unsigned short port = 0;

  std::shared_ptr<const Handler> current_handler() const {
    std::lock_guard lock(handler_mu);
    return handler;
  }

  void enter() {
    int now = in_flight.fetch_add(1) + 1;
    std::lock_guard lock(stats_mu);
    stats.max_in_flight = std::max(stats.max_in_flight, now);
  }
  void leave() { in_flight.fetch_sub(1); }

  void record(const HttpRequest& req, int status, bool gzip,
              std::chrono::steady_clock::time_point at,
              std::chrono::system_clock::time_point wall) {
    std::lock_guard lock(stats_mu);
    ++stats.requests;
    if (status == 304) ++stats.not_modified;
    if (gzip) ++stats.gzip_responses;
    ++stats.per_path[req.path];
    if (log_capacity == 0) return;
    if (log.size() >= log_capacity) log.pop_front();
    log.push_back(RequestLogEntry{at, wall, req.method, req.target, status, req.headers, gzip});
  }

  void do_accept();
};

}  // namespace fake_server_detail

using fake_server_detail::ServerCore;

struct FakeServer::Impl : ServerCore {};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerCore* server)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), server_(server) {}

  void start() { read_next(); }

 private:
  void read_next() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kBodyLimit);
    http::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    if (ec) return on_read_error(ec);
    // curl waits up to a second for this before sending a large POST body.
    auto expect = parser_->get().find(http::field::expect);
    if (expect != parser_->get().end() && Lower(std::string(expect->value())) == "100-continue" &&
        !parser_->is_done()) {
      out_ = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(socket_, asio::buffer(out_),
                        [self = shared_from_this()](error_code ec2, std::size_t) {
                          if (ec2) return self->close();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_request(ec); });
  }

  void on_read_error(error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      return close();
    }
    // A malformed or oversized request gets an answer the client can understand, then the
    // connection ends (the stream position is unknown after a parse error).
    HttpResponse r;
    r.status = ec == http::error::header_limit ? 431 : (ec == http::error::body_limit ? 413 : 400);
    r.headers = {{"Content-Type", "application/json; charset=utf-8"}};
    r.body = R"({"message":"bad request: )" + ec.message() + R"("})";
    out_ = SerializeHead(r, r.body.size(), false) + r.body;
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](error_code, std::size_t) { self->close(); });
  }

  void on_request(error_code ec) {
    if (ec) return on_read_error(ec);
    auto at = std::chrono::steady_clock::now();
    auto wall = std::chrono::system_clock::now();
    const auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();

    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    std::size_t q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos)
      req.query = ParseQueryString(std::string_view(req.target).substr(q + 1));
    for (const auto& field : msg) {
      std::string name = Lower(std::string(field.name_string()));
      auto [it, inserted] = req.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    req.body = msg.body();

    server_->enter();
    entered_ = true;
    HttpResponse resp;
    try {
      auto handler = server_->current_handler();
      resp = (*handler)(req);
    } catch (const std::exception& e) {
      resp = HttpResponse{};
      resp.status = 500;
      resp.headers = {{"Content-Type", "application/json; charset=utf-8"}};
      resp.body = std::string(R"({"message":"test handler threw: )") + e.what() + R"("})";
    }
    gzip_ = resp.gzip && !resp.reset_connection && !BodyForbidden(resp.status, req.method) &&
            AcceptsGzip(req.header("accept-encoding"));
    server_->record(req, resp.reset_connection ? 0 : resp.status, gzip_, at, wall);
    method_ = req.method;
    resp_ = std::move(resp);

    if (resp_.delay.count() > 0) {
      timer_.expires_after(resp_.delay);
      timer_.async_wait([self = shared_from_this()](error_code ec2) {
        if (ec2) return self->close();
        self->respond();
      });
      return;
    }
    respond();
  }

  void respond() {
    if (resp_.reset_connection) {
      // SO_LINGER with a zero timeout turns close() into an RST.
      error_code ignored;
      socket_.set_option(asio::socket_base::linger(true, 0), ignored);
      done_request();
      socket_.close(ignored);  // no shutdown first: that would send a FIN, not the RST
      return;
    }
    const bool no_body = BodyForbidden(resp_.status, method_);
    std::string body = no_body ? std::string() : resp_.body;
    if (gzip_) Encode(body);
    bool close_after = !keep_alive_;
    if (resp_.close_mid_body && !no_body) {
      out_ = SerializeHead(resp_, body.size(), keep_alive_) + body.substr(0, body.size() / 2);
      close_after = true;
    } else if (resp_.announce_length && !no_body) {
      out_ = SerializeHead(resp_, *resp_.announce_length, keep_alive_) + body;
      close_after = true;
    } else {
      if (resp_.truncate_at && *resp_.truncate_at < body.size()) body.resize(*resp_.truncate_at);
      std::optional<std::size_t> length;
      if (!(resp_.status == 204 || resp_.status == 304 || resp_.status < 200)) length = body.size();
      out_ = SerializeHead(resp_, length, keep_alive_) + body;
    }
    // The request stops counting as in flight once its answer is handed to the socket, so a
    // client that got its response never finds it still counted.
    done_request();
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this(), close_after](error_code ec, std::size_t) {
                        if (ec || close_after) return self->close();
                        self->read_next();
                      });
  }

  // Compresses `body` and names the encoding; the faults of respond() then cut the compressed
  // bytes, as a network would.
  void Encode(std::string& body) {
    body = GzipCompress(body);
    // The trailer is CRC-32 then ISIZE, 4 bytes each.
    if (resp_.corrupt_gzip && body.size() >= 8) body[body.size() - 8] ^= 0x5a;
    std::erase_if(resp_.headers,
                  [](const auto& h) { return Lower(h.first) == "content-encoding"; });
    resp_.headers.emplace_back("Content-Encoding", "gzip");
    resp_.headers.emplace_back("Vary", "Accept-Encoding");
  }

  void done_request() {
    if (entered_) {
      entered_ = false;
      server_->leave();
    }
  }

  void close() {
    done_request();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

 public:
  ~Session() {
    // Abandoned mid-request by a server shutdown: keep the in-flight count honest anyway.
    done_request();
  }

 private:
  tcp::socket socket_;
  asio::steady_timer timer_;
  ServerCore* server_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpResponse resp_;
  std::string method_;
  std::string out_;
  bool keep_alive_ = true;
  bool entered_ = false;
  bool gzip_ = false;  // this response's body goes out gzip-encoded
};

}  // namespace

void ServerCore::do_accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      {
        std::lock_guard lock(stats_mu);
        ++stats.connections;
      }
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<Session>(std::move(socket), this)->start();
    }
    do_accept();
  });
}

FakeServer::FakeServer(Handler handler, int threads, unsigned short port)
    : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::make_shared<const Handler>(std::move(handler));
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen(asio::socket_base::max_listen_connections);
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->do_accept();
  const int n = std::max(1, threads);
  for (int i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

FakeServer::~FakeServer() {
  // Stopping the io_context abandons open connections and pending delays; the sessions (and
  // their sockets) go when the io_context destroys its queued handlers, in ~Impl.
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  error_code ignored;
  impl_->acceptor.close(ignored);
}

unsigned short FakeServer::port() const { return impl_->port; }

std::string FakeServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

void FakeServer::set_handler(Handler handler) {
  auto h = std::make_shared<const Handler>(std::move(handler));
  std::lock_guard lock(impl_->handler_mu);
  impl_->handler = std::move(h);
}

ServerStats FakeServer::stats() const {
  std::lock_guard lock(impl_->stats_mu);
  return impl_->stats;
}

std::vector<RequestLogEntry> FakeServer::log() const {
  std::lock_guard lock(impl_->stats_mu);
  return std::vector<RequestLogEntry>(impl_->log.begin(), impl_->log.end());
}

void FakeServer::reset_stats() {
  std::lock_guard lock(impl_->stats_mu);
  impl_->stats = ServerStats{};
  impl_->stats.max_in_flight = impl_->in_flight.load();
  impl_->log.clear();
}

int FakeServer::in_flight() const { return impl_->in_flight.load(); }

void FakeServer::set_log_capacity(std::size_t max_entries) {
  std::lock_guard lock(impl_->stats_mu);
  impl_->log_capacity = max_entries;
  while (impl_->log.size() > max_entries) impl_->log.pop_front();
}

}  // namespace ghharvest::testing
