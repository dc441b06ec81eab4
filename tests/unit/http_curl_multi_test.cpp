// The curl multi-socket / Asio bridge on its own: many transfers at once over loopback,
// cancellation, destruction with transfers in flight, and the body size limit.
#include "http/curl_multi.hpp"

#include <curl/curl.h>
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>
#include <vector>

#include "fake_server.hpp"
#include "io_loop.hpp"

using namespace ghharvest;
using namespace ghharvest::testing;

namespace {

HttpResponse Echo(const HttpRequest& req) {
  HttpResponse r;
  // Bodies large enough to need several reads, different per request.
  r.body = req.target + std::string(64 * 1024, 'x') + req.target;
  r.headers = {{"X-Echo-Target", req.target}, {"X-Mixed-Case", "Value"}};
  return r;
}

// One GET of `path` on `server`, run to completion.
http::HttpResult Get(boost::asio::io_context& io, FakeServer& server, const std::string& path,
                     std::optional<std::size_t> max_body_bytes = std::nullopt) {
  http::CurlMulti multi(io);
  std::optional<http::HttpResult> out;
  http::HttpGet get;
  get.url = server.base_url() + path;
  if (max_body_bytes) get.max_body_bytes = *max_body_bytes;
  multi.Start(get, [&](http::HttpResult r) { out = std::move(r); });
  REQUIRE(RunUntil(io, [&] { return out.has_value(); }));
  return std::move(*out);
}

constexpr std::size_t kMiB = std::size_t{1} << 20;

}  // namespace

TEST_CASE("a Content-Length is a promise: a response cut short reserved at most a megabyte") {
  // Six cut responses announcing 512 MiB each once reserved 3 GB before a byte arrived.
  FakeServer server([](const HttpRequest&) {
    HttpResponse r;
    r.body = R"([{"id":1,)";
    r.announce_length = 512 * kMiB;
    return r;
  });
  boost::asio::io_context io;
  for (int i = 0; i < 6; ++i) {
    CAPTURE(i);
    http::HttpResult r = Get(io, server, "/big/" + std::to_string(i), 1024 * kMiB);
    CHECK(r.curl_code != 0);
    CHECK(r.truncated);
    CHECK_FALSE(r.permanent);  // a cut answer may come whole next time
    CHECK(r.body == R"([{"id":1,)");
    CHECK(r.body.capacity() >= r.body.size() + 64);
    CHECK(r.body.capacity() <= kMiB + 64);
  }
  // Under the default limit too: 60 MiB announced, nine bytes sent.
  server.set_handler([](const HttpRequest&) {
    HttpResponse r;
    r.body = R"([{"id":1,)";
    r.announce_length = 60 * kMiB;
    return r;
  });
  http::HttpResult r = Get(io, server, "/sixty");
  CHECK(r.truncated);
  CHECK(r.body.capacity() <= kMiB + 64);
}

TEST_CASE("a body over max_body_bytes fails at once, for good, naming the limit") {
  boost::asio::io_context io;
  const std::string big(200 * 1024, 'x');
  {
    // Announced by Content-Length: refused before the body is read.
    FakeServer server([&](const HttpRequest&) {
      HttpResponse r;
      r.body = big;
      return r;
    });
    http::HttpResult r = Get(io, server, "/announced", 100 * 1024);
    CHECK(r.curl_code != 0);
    CHECK(r.permanent);
    CHECK_FALSE(r.truncated);
    CHECK(r.error.find("102400 bytes") != std::string::npos);
    CHECK(r.body.capacity() <= kMiB + 64);
    // The default limit (64 MiB) refuses a 512 MiB promise the same way.
    server.set_handler([](const HttpRequest&) {
      HttpResponse h;
      h.body = "[]";
      h.announce_length = 512 * kMiB;
      return h;
    });
    r = Get(io, server, "/promised");
    CHECK(r.permanent);
    CHECK(r.error.find("67108864 bytes") != std::string::npos);
    CHECK(r.body.capacity() <= kMiB + 64);
  }
  {
    // gzip: a few KiB on the wire inflating past the limit, caught as the bytes arrive.
    FakeServer server([&](const HttpRequest&) {
      HttpResponse r;
      r.body = std::string(4 * kMiB, 'x');
      r.gzip = true;
      return r;
    });
    http::HttpResult r = Get(io, server, "/inflating", kMiB);
    CHECK(r.curl_code != 0);
    CHECK(r.permanent);
    CHECK(r.error.find("1048576 bytes") != std::string::npos);
    CHECK(r.body.size() <= kMiB);
    CHECK(r.body.capacity() <= kMiB + 64);
    CHECK(server.stats().gzip_responses == 1);
  }
  {
    // Exactly the limit is fine, padding included.
    FakeServer server([&](const HttpRequest&) {
      HttpResponse r;
      r.body = big;
      return r;
    });
    http::HttpResult r = Get(io, server, "/exact", big.size());
    CHECK(r.curl_code == 0);
    CHECK(r.status == 200);
    CHECK(r.body == big);
    CHECK(r.body.capacity() >= r.body.size() + 64);
  }
}

TEST_CASE("two hundred transfers, sixty-four at a time, all complete with their own bodies") {
  FakeServer server(&Echo, 8);
  boost::asio::io_context io;
  http::CurlMulti multi(io);
  int started = 0, finished = 0, bad = 0;
  std::function<void()> start_one = [&] {
    int n = started++;
    http::HttpGet get;
    get.url = server.base_url() + "/t/" + std::to_string(n);
    get.headers = {"X-Test: yes"};
    multi.Start(get, [&, n](http::HttpResult r) {
      finished++;
      std::string target = "/t/" + std::to_string(n);
      if (r.curl_code != 0 || r.status != 200 || r.truncated ||
          r.body != target + std::string(64 * 1024, 'x') + target ||
          r.body.capacity() < r.body.size() + 64 || !r.header("x-echo-target") ||
          *r.header("x-echo-target") != target || !r.header("x-mixed-case") ||
          r.final_url != server.base_url() + target) {
        bad++;
      }
      if (started < 200) start_one();
    });
  };
  for (int i = 0; i < 64; ++i) start_one();
  CHECK(multi.in_flight() == 64);
  REQUIRE(RunUntil(io, [&] { return finished == 200; }));
  CHECK(bad == 0);
  CHECK(multi.in_flight() == 0);
  CHECK(server.stats().max_in_flight <= 64);
  // Keep-alive: far fewer connections than requests.
  CHECK(server.stats().connections <= 64);
}

TEST_CASE("a cancelled transfer reports cancelled once and never completes") {
  FakeServer server([](const HttpRequest&) {
    HttpResponse r;
    r.body = "{}";
    r.delay = std::chrono::milliseconds(300);
    return r;
  });
  boost::asio::io_context io;
  http::CurlMulti multi(io);
  int calls = 0;
  bool cancelled = false;
  http::HttpGet get;
  get.url = server.base_url() + "/slow";
  auto id = multi.Start(get, [&](http::HttpResult r) {
    calls++;
    cancelled = r.cancelled;
  });
  REQUIRE(RunUntil(io, [&] { return server.in_flight() == 1; }));
  multi.Cancel(id);
  CHECK(calls == 0);  // never from inside Cancel
  REQUIRE(RunUntil(io, [&] { return calls == 1; }));
  CHECK(cancelled);
  RunFor(io, std::chrono::milliseconds(400));
  CHECK(calls == 1);
  multi.Cancel(id);  // unknown by now: a no-op
  RunFor(io, std::chrono::milliseconds(20));
  CHECK(calls == 1);
}

TEST_CASE("destroying the multi handle with transfers in flight runs no callback") {
  FakeServer server([](const HttpRequest&) {
    HttpResponse r;
    r.body = "{}";
    r.delay = std::chrono::milliseconds(200);
    return r;
  });
  boost::asio::io_context io;
  int calls = 0;
  {
    http::CurlMulti multi(io);
    for (int i = 0; i < 4; ++i) {
      http::HttpGet get;
      get.url = server.base_url() + "/d/" + std::to_string(i);
      multi.Start(get, [&](http::HttpResult) { calls++; });
    }
    REQUIRE(RunUntil(io, [&] { return server.in_flight() >= 1; }));
  }
  RunFor(io, std::chrono::milliseconds(300));
  CHECK(calls == 0);
}

TEST_CASE("a refused connection is a curl error, not an HTTP status") {
  unsigned short port;
  {
    FakeServer gone([](const HttpRequest&) { return HttpResponse{}; });
    port = gone.port();
  }
  boost::asio::io_context io;
  http::CurlMulti multi(io);
  std::optional<http::HttpResult> out;
  http::HttpGet get;
  get.url = "http://127.0.0.1:" + std::to_string(port) + "/x";
  multi.Start(get, [&](http::HttpResult r) { out = std::move(r); });
  REQUIRE(RunUntil(io, [&] { return out.has_value(); }));
  CHECK(out->curl_code != 0);
  CHECK(out->status == 0);
  CHECK_FALSE(out->error.empty());
}

TEST_CASE("a POST sends its body and headers once, a GET stays a GET on the same handle") {
  std::vector<HttpRequest> seen;
  FakeServer server([&](const HttpRequest& req) {
    seen.push_back(req);
    HttpResponse r;
    if (req.path == "/moved") {
      r.status = 302;
      r.headers = {{"Location", "/graphql"}};
      return r;
    }
    r.body = req.method + ":" + req.body;
    return r;
  });
  boost::asio::io_context io;
  http::CurlMulti multi(io);
  std::vector<std::optional<http::HttpResult>> out(3);
  // A body with bytes a C string would stop at: it is sent by its size.
  const std::string body = std::string(R"({"query":"{ viewer { login } }")") + '\0' + "}";
  {
    http::HttpGet post;
    post.url = server.base_url() + "/graphql";
    post.headers = {"Content-Type: application/json"};
    post.post_body = body;
    multi.Start(std::move(post), [&](http::HttpResult r) { out[0] = std::move(r); });
  }
  REQUIRE(RunUntil(io, [&] { return out[0].has_value(); }));
  {
    http::HttpGet get;
    get.url = server.base_url() + "/after";
    multi.Start(get, [&](http::HttpResult r) { out[1] = std::move(r); });
  }
  REQUIRE(RunUntil(io, [&] { return out[1].has_value(); }));
  {
    // A redirect is not followed with the body (nor turned into a GET): the 302 comes back.
    http::HttpGet post;
    post.url = server.base_url() + "/moved";
    post.post_body = "{}";
    multi.Start(std::move(post), [&](http::HttpResult r) { out[2] = std::move(r); });
  }
  REQUIRE(RunUntil(io, [&] { return out[2].has_value(); }));
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].body == body);
  CHECK(seen[0].header("content-type") == "application/json");
  CHECK(out[0]->status == 200);
  CHECK(out[0]->body == "POST:" + body);
  // The pooled easy handle was reset: no body, no POST left over.
  CHECK(seen[1].method == "GET");
  CHECK(seen[1].body.empty());
  CHECK(out[1]->body == "GET:");
  CHECK(out[2]->status == 302);
  CHECK(seen[2].method == "POST");
}

// libcurl writes its error buffer once per transfer. When a reused connection dies before any
// byte of the answer, it sends the request again by itself; if that attempt then fails for
// another reason, the buffer still says "Recv failure". The error must name what really
// failed (here a gzip body with a wrong CRC), or every log and fault count would misname it.
TEST_CASE("an error after libcurl re-sent a request names the error, not the dead connection") {
  int calls = 0;
  FakeServer server([&](const HttpRequest&) {
    HttpResponse r;
    r.body = "[{\"id\":1}]";
    ++calls;
    if (calls == 2) r.reset_connection = true;  // the kept-alive connection dies
    if (calls == 3) {                           // libcurl's own second try: a bad checksum
      r.gzip = true;
      r.corrupt_gzip = true;
    }
    return r;
  });
  boost::asio::io_context io;
  http::CurlMulti multi(io);
  auto get = [&](const std::string& path) {
    std::optional<http::HttpResult> out;
    http::HttpGet g;
    g.url = server.base_url() + path;
    multi.Start(g, [&](http::HttpResult r) { out = std::move(r); });
    REQUIRE(RunUntil(io, [&] { return out.has_value(); }));
    return std::move(*out);
  };
  REQUIRE(get("/first").curl_code == 0);
  http::HttpResult r = get("/second");
  REQUIRE(calls == 3);  // the reset request was sent again on a new connection
  CHECK(r.curl_code == CURLE_BAD_CONTENT_ENCODING);
  CHECK(r.error.find("Recv failure") != 0);
  CHECK(r.error.find(curl_easy_strerror(CURLE_BAD_CONTENT_ENCODING)) == 0);
}
