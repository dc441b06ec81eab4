// The local GitHub server seen from a real HTTP client (libcurl easy API, no ghharvest code
// in between), so the client tests that rely on it can trust what it does and counts.
#include <curl/curl.h>
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "fake_server.hpp"
#include "fixture_replay.hpp"
#include "github_responses.hpp"
#include "scripted_handler.hpp"

using namespace ghharvest::testing;
using namespace std::chrono_literals;

namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};
const CurlGlobal curl_global;

struct Fetched {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-cased names, last value wins
  std::string error;
};

std::size_t WriteBody(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::size_t WriteHeader(char* data, std::size_t size, std::size_t n, void* user) {
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
  }
  return size * n;
}

struct FetchOptions {
  std::vector<std::string> headers;
  std::string post_body;  // non-empty: POST
  bool follow = false;
};

// One request on `curl` (reused for keep-alive when the caller passes the same handle).
FetchOptions Headers(std::vector<std::string> headers) {
  FetchOptions o;
  o.headers = std::move(headers);
  return o;
}

FetchOptions Body(std::string body, std::vector<std::string> headers = {}) {
  FetchOptions o;
  o.post_body = std::move(body);
  o.headers = std::move(headers);
  return o;
}

FetchOptions Follow() {
  FetchOptions o;
  o.follow = true;
  return o;
}

Fetched FetchWith(CURL* curl, const std::string& url, const FetchOptions& opt = {}) {
  Fetched f;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* list = nullptr;
  for (const auto& h : opt.headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &f.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &f.headers);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, opt.follow ? 1L : 0L);
  if (!opt.post_body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, opt.post_body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(opt.post_body.size()));
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  }
  f.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &f.status);
  f.error = errbuf;
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(list);
  return f;
}

Fetched Fetch(const std::string& url, const FetchOptions& opt = {}) {
  CURL* curl = curl_easy_init();
  Fetched f = FetchWith(curl, url, opt);
  curl_easy_cleanup(curl);
  return f;
}

// The rel="next" URL of a link header, "" when there is none.
std::string NextLink(const std::string& link) {
  static const std::regex next(R"(<([^>]*)>;\s*rel="next")");
  std::smatch m;
  return std::regex_search(link, m, next) ? m[1].str() : "";
}

HttpResponse Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "text/plain"}};
  r.body = std::move(body);
  return r;
}

}  // namespace

TEST_CASE("a GET reaches the handler with path, decoded query and lower-cased headers") {
  std::mutex mu;
  HttpRequest seen;
  FakeServer server([&](const HttpRequest& req) {
    std::lock_guard lock(mu);
    seen = req;
    return JsonResponse(200, R"({"ok":true})", {{"ETag", "\"abc\""}});
  });
  REQUIRE(server.port() != 0);
  CHECK(server.base_url() == "http://127.0.0.1:" + std::to_string(server.port()));

  Fetched f = Fetch(server.base_url() + "/search/issues?q=involves%3Aoctocat+is%3Apr&per_page=100",
                    Headers({"X-GitHub-Api-Version: 2022-11-28"}));
  REQUIRE(f.code == CURLE_OK);
  CHECK(f.status == 200);
  CHECK(f.body == R"({"ok":true})");
  CHECK(f.headers["etag"] == "\"abc\"");
  CHECK(f.headers["x-ratelimit-resource"] == "core");
  CHECK(f.headers["content-length"] == "11");

  std::lock_guard lock(mu);
  CHECK(seen.method == "GET");
  CHECK(seen.path == "/search/issues");
  CHECK(seen.target == "/search/issues?q=involves%3Aoctocat+is%3Apr&per_page=100");
  CHECK(seen.query_param("q") == "involves:octocat is:pr");
  CHECK(seen.query_param("per_page") == "100");
  CHECK(seen.query_param("absent", "none") == "none");
  CHECK(seen.header("x-github-api-version") == "2022-11-28");
  CHECK(seen.header("x-absent").empty());
}

TEST_CASE("ParseQueryString decodes percent escapes and plus signs and keeps repeated keys") {
  auto q = ParseQueryString("a=1&b=x%20y&b=z+w&flag&bad=%zz&&empty=");
  CHECK(q.count("b") == 2);
  CHECK(q.find("a")->second == "1");
  auto range = q.equal_range("b");
  std::vector<std::string> bs;
  for (auto it = range.first; it != range.second; ++it) bs.push_back(it->second);
  CHECK(bs == std::vector<std::string>{"x y", "z w"});
  CHECK(q.find("flag")->second.empty());
  CHECK(q.find("bad")->second == "%zz");
  CHECK(q.find("empty")->second.empty());
  CHECK(q.size() == 6);
}

TEST_CASE("keep-alive serves several requests on one connection, and stats count them") {
  FakeServer server([](const HttpRequest& req) {
    if (req.path == "/cached") return NotModified("\"e1\"");
    return JsonResponse(200, "[]");
  });
  CURL* curl = curl_easy_init();
  for (int i = 0; i < 3; ++i) CHECK(FetchWith(curl, server.base_url() + "/a?page=1").status == 200);
  Fetched nm = FetchWith(curl, server.base_url() + "/cached", Headers({"If-None-Match: \"e1\""}));
  CHECK(nm.code == CURLE_OK);
  CHECK(nm.status == 304);
  CHECK(nm.body.empty());
  // The connection is still usable after a body-less 304.
  CHECK(FetchWith(curl, server.base_url() + "/a").status == 200);
  curl_easy_cleanup(curl);

  ServerStats s = server.stats();
  CHECK(s.requests == 5);
  CHECK(s.not_modified == 1);
  CHECK(s.per_path["/a"] == 4);
  CHECK(s.per_path["/cached"] == 1);
  CHECK(s.connections == 1);
  CHECK(s.max_in_flight == 1);

  auto log = server.log();
  REQUIRE(log.size() == 5);
  CHECK(log[0].target == "/a?page=1");
  CHECK(log[3].status == 304);
  CHECK(log[3].headers.at("if-none-match") == "\"e1\"");
  for (std::size_t i = 1; i < log.size(); ++i) CHECK(log[i - 1].at <= log[i].at);

  server.reset_stats();
  CHECK(server.stats().requests == 0);
  CHECK(server.log().empty());
}

TEST_CASE("the log keeps only the latest entries when given a capacity, stats keep counting") {
  FakeServer server([](const HttpRequest&) { return Text(200, ""); });
  server.set_log_capacity(2);
  CURL* curl = curl_easy_init();
  for (int i = 0; i < 4; ++i) FetchWith(curl, server.base_url() + "/n/" + std::to_string(i));
  auto log = server.log();
  REQUIRE(log.size() == 2);
  CHECK(log[0].target == "/n/2");
  CHECK(log[1].target == "/n/3");
  server.set_log_capacity(0);
  FetchWith(curl, server.base_url() + "/n/4");
  curl_easy_cleanup(curl);
  CHECK(server.log().empty());
  CHECK(server.stats().requests == 5);
}

TEST_CASE("a connection: close request gets its answer and then the connection ends") {
  FakeServer server([](const HttpRequest&) { return Text(200, "bye"); });
  Fetched f = Fetch(server.base_url() + "/x", Headers({"Connection: close"}));
  CHECK(f.code == CURLE_OK);
  CHECK(f.body == "bye");
  CHECK(f.headers["connection"] == "close");
}

TEST_CASE("the paginate-issues recording is served page by page with links to the server") {
  std::unique_ptr<FakeServer> server;
  server = std::make_unique<FakeServer>(
      MakeFixtureReplay(OctokitFixture("paginate-issues"), [&] { return server->base_url(); }));
  // The client picks its own page size; the replay matches the recording's first page anyway.
  std::string url = server->base_url() +
                    "/repos/octokit-fixture-org/"
                    "tmp-scenario-paginate-issues-20220719043836917-izyoe/issues?per_page=100";
  int pages = 0;
  std::size_t issues = 0;
  CURL* curl = curl_easy_init();
  while (!url.empty() && pages < 10) {
    Fetched f = FetchWith(curl, url, Headers({"Accept: application/vnd.github.v3+json"}));
    REQUIRE(f.code == CURLE_OK);
    REQUIRE(f.status == 200);
    ++pages;
    CHECK(f.body.find("https://api.github.com") == std::string::npos);
    CHECK(f.body.find(server->base_url() + "/repos/octokit-fixture-org/") != std::string::npos);
    for (std::size_t pos = 0; (pos = f.body.find("\"node_id\":\"I_", pos)) != std::string::npos;
         ++pos) {
      ++issues;
    }
    CHECK(f.headers["x-ratelimit-resource"] == "core");
    CHECK(std::stoll(f.headers["x-ratelimit-reset"]) == 1658208999);  // recorded epoch seconds
    const std::string& link = f.headers["link"];
    CHECK(link.find("api.github.com") == std::string::npos);
    url = NextLink(link);
    if (!url.empty()) CHECK(url.rfind(server->base_url() + "/repositories/515435940/", 0) == 0);
  }
  curl_easy_cleanup(curl);
  CHECK(pages == 5);
  CHECK(issues == 13);
  CHECK(server->stats().per_path["/repositories/515435940/issues"] == 4);
}

TEST_CASE("the replay answers unrecorded requests and the setup POSTs with a JSON 404") {
  std::string base;
  FakeServer server(MakeFixtureReplay(OctokitFixture("paginate-issues"), [&] { return base; }));
  base = server.base_url();
  Fetched f = Fetch(base + "/repositories/515435940/issues?per_page=3&page=9");
  CHECK(f.status == 404);
  CHECK(f.body.find("\"message\":\"Not Found") != std::string::npos);
  Fetched post = Fetch(base + "/orgs/octokit-fixture-org/repos", Body("{}"));
  CHECK(post.status == 404);
}

TEST_CASE("the replay serves non-GET exchanges in recorded order when asked to") {
  std::string base;
  FakeServer server(MakeFixtureReplay(
      OctokitFixture("rename-repository"), [&] { return base; }, true));
  base = server.base_url();
  const std::string repo =
      base + "/repos/octokit-fixture-org/tmp-scenario-rename-repository-20220719044033126-ukeod";
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PATCH");
  Fetched first = FetchWith(curl, repo, Body(R"({"name":"x"})"));
  Fetched second = FetchWith(curl, repo, Body(R"({"name":"x"})"));
  curl_easy_cleanup(curl);
  CHECK(first.status == 200);
  CHECK(second.status == 307);
  CHECK(second.headers["location"] == base + "/repositories/515436299");
}

TEST_CASE("the rename-repository redirect leads a following client to the new location") {
  std::string base;
  FakeServer server(MakeFixtureReplay(OctokitFixture("rename-repository"), [&] { return base; }));
  base = server.base_url();
  const std::string old_url =
      base + "/repos/octokit-fixture-org/tmp-scenario-rename-repository-20220719044033126-ukeod";
  Fetched raw = Fetch(old_url);
  CHECK(raw.status == 301);
  CHECK(raw.headers["location"] == base + "/repositories/515436299");
  Fetched followed = Fetch(old_url, Follow());
  CHECK(followed.status == 200);
  CHECK(followed.body.find("\"id\":515436299") != std::string::npos);
}

TEST_CASE("recordings load with statuses, headers and bodies, a missing file throws") {
  auto errors = LoadRecording(OctokitFixture("errors"));
  REQUIRE(errors.size() == 3);
  CHECK(errors[1].method == "POST");
  CHECK(errors[1].status == 422);
  CHECK(errors[1].body.find("\"message\":\"Validation Failed\"") != std::string::npos);
  CHECK(errors[2].body.empty());
  auto bp = LoadRecording(OctokitFixture("branch-protection"));
  CHECK(bp[3].status == 404);
  CHECK_THROWS_AS(LoadRecording(OctokitFixture("no-such-scenario")), std::runtime_error);
  CHECK_THROWS_AS(MakeFixtureReplay(OctokitFixture("no-such-scenario"), [] { return ""; }),
                  std::runtime_error);
}

TEST_CASE("the search recording matches a differently encoded query") {
  std::string base;
  FakeServer server(MakeFixtureReplay(OctokitFixture("search-issues"), [&] { return base; }));
  base = server.base_url();
  Fetched f = Fetch(base +
                    "/search/issues?q=sesame+repo:octokit-fixture-org/"
                    "tmp-scenario-search-issues-20220719044045959-jlcli");
  CHECK(f.status == 200);
  CHECK(f.body.find("\"total_count\":2") != std::string::npos);
}

TEST_CASE("truncate_at sends a well-formed response with a cut body") {
  FakeServer server(
      [](const HttpRequest&) { return Truncated(JsonResponse(200, R"([{"id":1},{"id":2}])"), 9); });
  Fetched f = Fetch(server.base_url() + "/t");
  CHECK(f.code == CURLE_OK);
  CHECK(f.status == 200);
  CHECK(f.body == R"([{"id":1})");
}

TEST_CASE("close_mid_body makes the client see a partial transfer error") {
  FakeServer server(
      [](const HttpRequest&) { return ClosedMidBody(JsonResponse(200, std::string(10000, 'x'))); });
  Fetched f = Fetch(server.base_url() + "/m");
  CHECK(f.code == CURLE_PARTIAL_FILE);
  CHECK(f.status == 200);
  CHECK(f.body.size() == 5000);
}

// curl with CURLOPT_ACCEPT_ENCODING "" (what the client sets): asks for and decodes gzip.
Fetched FetchDecoded(const std::string& url) {
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  Fetched f = FetchWith(curl, url);
  curl_easy_cleanup(curl);
  return f;
}

TEST_CASE("a gzip response is encoded only for clients that accept gzip") {
  const std::string body = R"([{"id":1,"title":"gzip me"},{"id":2,"title":"gzip me too"}])";
  FakeServer server([&](const HttpRequest&) { return Gzipped(JsonResponse(200, body)); });

  Fetched decoded = FetchDecoded(server.base_url() + "/g");
  CHECK(decoded.code == CURLE_OK);
  CHECK(decoded.headers["content-encoding"] == "gzip");
  CHECK(decoded.body == body);

  // Undecoded, the bytes on the wire are GzipCompress's and Content-Length counts them.
  Fetched raw = Fetch(server.base_url() + "/g", Headers({"Accept-Encoding: gzip"}));
  CHECK(raw.body == GzipCompress(body));
  CHECK(raw.headers["content-length"] == std::to_string(raw.body.size()));
  CHECK(raw.body.substr(0, 2) == "\x1f\x8b");

  for (const char* refusing : {"", "identity", "gzip;q=0", "br, *;q=0", "*, gzip; q=0"}) {
    CAPTURE(refusing);
    std::vector<std::string> headers;
    if (*refusing) headers.push_back(std::string("Accept-Encoding: ") + refusing);
    Fetched plain = Fetch(server.base_url() + "/p", Headers(headers));
    CHECK(plain.body == body);
    CHECK(plain.headers.count("content-encoding") == 0);
  }
  CHECK(AcceptsGzip("deflate, gzip, br, zstd"));
  CHECK(AcceptsGzip("br;q=1.0, *;q=0.5"));
  CHECK(AcceptsGzip("x-gzip"));
  CHECK(AcceptsGzip("GZIP;Q=0.1"));
  CHECK_FALSE(AcceptsGzip("gzip;q=0.0"));

  auto log = server.log();
  REQUIRE(log.size() == 7);
  CHECK(log[0].gzip);
  CHECK(log[1].gzip);
  CHECK_FALSE(log[2].gzip);
  CHECK(server.stats().gzip_responses == 2);
}

TEST_CASE("a gzip 304 carries no body and no content-encoding") {
  FakeServer server([](const HttpRequest&) { return Gzipped(NotModified("\"e1\"")); });
  Fetched f = FetchDecoded(server.base_url() + "/n");
  CHECK(f.code == CURLE_OK);
  CHECK(f.status == 304);
  CHECK(f.body.empty());
  CHECK(f.headers.count("content-encoding") == 0);
  CHECK(server.stats().gzip_responses == 0);
}

TEST_CASE("gzip faults cut or corrupt the compressed bytes as a network would") {
  const std::string body = std::string("[") + std::string(4000, ' ') + R"({"id":1}])";
  const std::size_t packed = GzipCompress(body).size();

  SUBCASE("corrupt_gzip inflates every byte, then curl rejects the checksum") {
    FakeServer server([&](const HttpRequest&) { return CorruptGzip(JsonResponse(200, body)); });
    Fetched f = FetchDecoded(server.base_url() + "/c");
    CHECK(f.code == CURLE_BAD_CONTENT_ENCODING);
  }
  SUBCASE("close_mid_body sends half the compressed bytes under the full Content-Length") {
    FakeServer server(
        [&](const HttpRequest&) { return ClosedMidBody(Gzipped(JsonResponse(200, body))); });
    Fetched f = FetchDecoded(server.base_url() + "/m");
    CHECK(f.code == CURLE_PARTIAL_FILE);
  }
  SUBCASE("truncate_at counts compressed bytes, with an honest Content-Length") {
    FakeServer server([&](const HttpRequest&) {
      return Truncated(Gzipped(JsonResponse(200, body)), packed - 12);
    });
    Fetched raw = Fetch(server.base_url() + "/t", Headers({"Accept-Encoding: gzip"}));
    CHECK(raw.code == CURLE_OK);
    CHECK(raw.body == GzipCompress(body).substr(0, packed - 12));
    // What libcurl itself makes of a gzip stream that stops early: recorded, not assumed.
    Fetched f = FetchDecoded(server.base_url() + "/t");
    MESSAGE("libcurl on a truncated gzip stream: code=" << f.code << " decoded=" << f.body.size()
                                                        << " of " << body.size());
    CHECK(f.body.size() < body.size());
  }
}

TEST_CASE("reset_connection gives the client a transport error and no status") {
  FakeServer server([](const HttpRequest&) { return ConnectionReset(); });
  Fetched f = Fetch(server.base_url() + "/r");
  CHECK(f.code != CURLE_OK);
  CHECK((f.code == CURLE_RECV_ERROR || f.code == CURLE_GOT_NOTHING));
  CHECK(f.status == 0);
  CHECK(server.stats().requests == 1);
  CHECK(server.log().at(0).status == 0);
  CHECK(server.in_flight() == 0);
}

TEST_CASE("a scripted 502 then success is seen in order, and the success repeats") {
  ScriptedHandler script;
  script.push("/x", ServerError(502));
  script.push("/x", JsonResponse(200, "[1]"));
  FakeServer server(script.handler());
  CHECK(Fetch(server.base_url() + "/x").status == 502);
  CHECK(Fetch(server.base_url() + "/x").status == 200);
  CHECK(Fetch(server.base_url() + "/x?page=2").status == 200);
  CHECK(script.served("/x") == 3);
  Fetched unknown = Fetch(server.base_url() + "/nope");
  CHECK(unknown.status == 404);
  CHECK(script.served("/nope") == 1);

  script.set("/x", Unauthorized());
  CHECK(Fetch(server.base_url() + "/x").status == 401);
  script.set_default(Text(418, "teapot"));
  CHECK(Fetch(server.base_url() + "/other").status == 418);
}

TEST_CASE("rate-limit helpers produce GitHub's headers for primary and secondary limits") {
  ScriptedHandler script;
  script.push("/primary", PrimaryLimitExhausted(1700000000, "search"));
  script.push("/secondary", SecondaryLimit(7, 429));
  script.push("/secondary-no-retry", SecondaryLimit(-1));
  FakeServer server(std::ref(script));

  Fetched p = Fetch(server.base_url() + "/primary");
  CHECK(p.status == 403);
  CHECK(p.headers["x-ratelimit-remaining"] == "0");
  CHECK(p.headers["x-ratelimit-used"] == "5000");
  CHECK(p.headers["x-ratelimit-reset"] == "1700000000");
  CHECK(p.headers["x-ratelimit-resource"] == "search");
  CHECK(p.body.find("rate limit exceeded") != std::string::npos);

  Fetched s = Fetch(server.base_url() + "/secondary");
  CHECK(s.status == 429);
  CHECK(s.headers["retry-after"] == "7");
  CHECK(s.body.find("secondary rate limit") != std::string::npos);
  Fetched s2 = Fetch(server.base_url() + "/secondary-no-retry");
  CHECK(s2.status == 403);
  CHECK(s2.headers.count("retry-after") == 0);

  auto h = RateLimitHeaders({});
  CHECK(std::stoll(h[3].second) > EpochNow());
  CHECK(LinkHeader("http://a/2", "http://a/9") ==
        "<http://a/2>; rel=\"next\", <http://a/9>; rel=\"last\"");
  CHECK(LinkHeader("", "http://a/9") == "<http://a/9>; rel=\"last\"");
  CHECK(ErrorBody("say \"hi\"") ==
        R"({"message":"say \"hi\"","documentation_url":"https://docs.github.com/rest"})");
}

TEST_CASE("handlers run concurrently up to the thread count, and max_in_flight records it") {
  constexpr int kThreads = 4;
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  FakeServer server(
      [&](const HttpRequest&) {
        std::unique_lock lock(mu);
        ++arrived;
        cv.notify_all();
        // Every handler waits for all the others: only possible if they run at once.
        bool all = cv.wait_for(lock, 10s, [&] { return arrived >= kThreads; });
        return Text(all ? 200 : 500, "");
      },
      kThreads);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < kThreads; ++i) {
    clients.emplace_back([&, i] {
      if (Fetch(server.base_url() + "/c/" + std::to_string(i)).status == 200) ++ok;
    });
  }
  for (auto& t : clients) t.join();
  CHECK(ok == kThreads);
  CHECK(server.stats().max_in_flight == kThreads);
  CHECK(server.stats().connections == kThreads);
  CHECK(server.in_flight() == 0);
}

TEST_CASE("a slow response keeps its request in flight without holding a server thread") {
  ScriptedHandler script;
  script.push("/slow", Slow(Text(200, "slow"), 1500ms));
  script.push("/fast", Text(200, "fast"));
  FakeServer server(script.handler(), 1);

  std::atomic<bool> slow_done{false};
  auto start = std::chrono::steady_clock::now();
  std::thread slow([&] {
    Fetched f = Fetch(server.base_url() + "/slow");
    CHECK(f.body == "slow");
    slow_done = true;
  });
  while (server.stats().requests == 0) std::this_thread::sleep_for(1ms);
  Fetched fast = Fetch(server.base_url() + "/fast");
  // The only server thread answered /fast while /slow was waiting out its delay.
  CHECK(fast.body == "fast");
  CHECK_FALSE(slow_done.load());
  slow.join();
  CHECK(std::chrono::steady_clock::now() - start >= 1500ms);
  CHECK(server.stats().max_in_flight == 2);
}

TEST_CASE("set_handler swaps the answers of a running server") {
  FakeServer server([](const HttpRequest&) { return Text(200, "one"); });
  CHECK(Fetch(server.base_url() + "/").body == "one");
  server.set_handler([](const HttpRequest&) { return Text(200, "two"); });
  CHECK(Fetch(server.base_url() + "/").body == "two");
}

TEST_CASE("a throwing handler becomes a 500 and the server keeps serving") {
  FakeServer server([](const HttpRequest& req) -> HttpResponse {
    if (req.path == "/boom") throw std::runtime_error("kaput");
    return Text(200, "fine");
  });
  Fetched f = Fetch(server.base_url() + "/boom");
  CHECK(f.status == 500);
  CHECK(f.body.find("kaput") != std::string::npos);
  CHECK(Fetch(server.base_url() + "/ok").body == "fine");
}

TEST_CASE("large request headers are accepted and oversized ones get 431") {
  FakeServer server([](const HttpRequest& req) {
    return Text(200, std::to_string(req.header("if-none-match").size()));
  });
  std::string big(20000, 'e');
  Fetched ok = Fetch(server.base_url() + "/h", Headers({"If-None-Match: " + big}));
  CHECK(ok.status == 200);
  CHECK(ok.body == "20000");
  std::string huge(300000, 'e');
  Fetched refused = Fetch(server.base_url() + "/h", Headers({"If-None-Match: " + huge}));
  if (refused.code == CURLE_OK) {
    CHECK(refused.status == 431);
  } else {
    // The server may close before curl finished sending the header; a refusal either way.
    CHECK(refused.code == CURLE_SEND_ERROR);
  }
  CHECK(server.stats().requests == 1);
}

TEST_CASE("a POST body arrives, also behind Expect: 100-continue") {
  FakeServer server([](const HttpRequest& req) {
    return Text(201, req.method + ":" + std::to_string(req.body.size()));
  });
  Fetched small = Fetch(server.base_url() + "/p", Body(R"({"query":"x"})"));
  CHECK(small.status == 201);
  CHECK(small.body == "POST:13");
  Fetched big =
      Fetch(server.base_url() + "/p", Body(std::string(200000, 'b'), {"Expect: 100-continue"}));
  CHECK(big.status == 201);
  CHECK(big.body == "POST:200000");
}

TEST_CASE("servers shut down promptly with idle and mid-delay connections open") {
  for (int i = 0; i < 20; ++i) {
    auto server = std::make_unique<FakeServer>([](const HttpRequest& req) {
      if (req.path == "/hang") return Slow(Text(200, ""), 60s);
      return Text(200, "x");
    });
    const std::string url = server->base_url();
    CURL* idle = curl_easy_init();
    CHECK(FetchWith(idle, url + "/").status == 200);  // stays open (keep-alive)
    std::thread hanging;
    if (i % 5 == 0) {
      hanging = std::thread([url] {
        // Cut by the server's shutdown: the client sees an error, not a 60 s wait.
        CHECK(Fetch(url + "/hang").code != CURLE_OK);
      });
      while (server->in_flight() == 0) std::this_thread::sleep_for(1ms);
    }
    server.reset();
    if (hanging.joinable()) hanging.join();
    curl_easy_cleanup(idle);
  }
}

TEST_CASE("a port already in use is reported by the constructor") {
  FakeServer first([](const HttpRequest&) { return Text(200, ""); });
  CHECK_THROWS(FakeServer([](const HttpRequest&) { return Text(200, ""); }, 1, first.port()));
}
