// Requests per second and client CPU per request through github::Client (curl multi on Asio,
// governor, JSON validation, optional ETag cache) against the local GitHub server, with 0 ms
// and 50 ms of server latency (issue #3).
//
//   client_bench [requests=2000] [body_kb=20]
//
// Rows for bench/run.sh: req/s and client CPU per request per case; at 50 ms the rate is
// compared with its ceiling, concurrency / latency.
//
// CPU is the io_context thread's own CPU time (CLOCK_THREAD_CPUTIME_ID), so the in-process
// server's threads are not counted.
#include <time.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "common.hpp"
#include "fake_server.hpp"
#include "ghharvest/app/adapters.hpp"
#include "ghharvest/github/client.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/log.hpp"
#include "test_paths.hpp"

using namespace ghharvest;

namespace {

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string PageBody(std::size_t kb) {
  std::string body = "[";
  int i = 0;
  while (body.size() < kb * 1024) {
    if (i) body += ",";
    body += fmt::format(
        R"({{"id":{0},"number":{0},"title":"Issue {0} with a title of usual length","user":{{"login":"writer-{1}","id":{1}}},"state":"open","comments":{2},"created_at":"2024-01-01T00:00:00Z","updated_at":"2024-02-01T00:00:00Z","body":"Some body text that describes the problem.","reactions":{{"total_count":{2},"+1":{2}}}}})",
        i, 1000 + i % 17, i % 5);
    ++i;
  }
  body += "]";
  return body;
}

struct Row {
  int latency_ms;
  int concurrency;
  bool cache;
  int requests;
  double seconds;
  double cpu_seconds;
};

Row Run(int latency_ms, int concurrency, bool cache, int requests, const std::string& body) {
  testing::FakeServer server(
      [&](const testing::HttpRequest& req) {
        testing::HttpResponse r;
        r.status = 200;
        r.body = body;
        r.delay = std::chrono::milliseconds(latency_ms);
        r.headers = {{"Content-Type", "application/json; charset=utf-8"},
                     {"ETag", "\"" + req.target + "\""},
                     {"x-ratelimit-limit", "1000000"},
                     {"x-ratelimit-remaining", "999999"},
                     {"x-ratelimit-reset", "4102444800"},
                     {"x-ratelimit-resource", "core"}};
        return r;
      },
      8);
  testing::TempDir dir;
  std::unique_ptr<store::Database> db;
  if (cache) {
    auto opened = store::Database::Open(dir.file("bench.db"));
    if (!opened.ok()) {
      std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
      std::exit(1);
    }
    db = std::move(*opened);
  }
  boost::asio::io_context io;
  SystemClock clock;
  github::ClientOptions o;
  o.api_url = server.base_url();
  o.token = "bench-token";
  o.concurrency = concurrency;
  // Without the cache there is no database, and the client gets no ETag store.
  std::optional<app::DatabaseEtagStore> etags;
  if (db) etags.emplace(*db);
  github::Client client(io, clock, etags ? &*etags : nullptr, o);

  int done = 0, failed = 0;
  auto t0 = std::chrono::steady_clock::now();
  double c0 = ThreadCpuSeconds();
  for (int i = 0; i < requests; ++i) {
    client.Get(fmt::format("/repos/o/r/issues?per_page=100&page={}", i),
               [&](Result<github::ApiResponse> r) {
                 done++;
                 if (!r.ok()) failed++;
               });
  }
  while (done < requests) io.run_one();
  double cpu = ThreadCpuSeconds() - c0;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (failed) std::fprintf(stderr, "%d requests failed\n", failed);
  return {latency_ms, concurrency, cache, requests, secs, cpu};
}

}  // namespace

int main(int argc, char** argv) {
  int requests = static_cast<int>(bench::ArgOr(argc, argv, 1, bench::Quick() ? 300 : 2000));
  std::size_t body_kb = static_cast<std::size_t>(bench::ArgOr(argc, argv, 2, 20));
  log::SetLevel(log::Level::kWarning);
  std::string body = PageBody(body_kb);
  fmt::print("client_bench: {} KiB JSON bodies, loopback HTTP/1.1 keep-alive\n",
             body.size() / 1024);
  fmt::print("{:>10} {:>11} {:>6} {:>9} {:>10} {:>12} {:>14}\n", "latency", "concurrency", "cache",
             "requests", "req/s", "cpu us/req", "client cpu %");
  struct Case {
    int latency, concurrency;
    bool cache;
  };
  const Case cases[] = {{0, 1, false},  {0, 4, false}, {0, 4, true},   {0, 16, false},
                        {50, 4, false}, {50, 4, true}, {50, 16, false}};
  for (const Case& c : cases) {
    // At 50 ms a run is latency-bound; fewer requests give the same rate.
    int n = c.latency ? std::max(40, requests * c.concurrency / 100) : requests;
    Row r = Run(c.latency, c.concurrency, c.cache, n, body);
    fmt::print("{:>8}ms {:>11} {:>6} {:>9} {:>10.0f} {:>12.1f} {:>13.0f}%\n", r.latency_ms,
               r.concurrency, r.cache ? "yes" : "no", r.requests, r.requests / r.seconds,
               r.cpu_seconds / r.requests * 1e6, r.cpu_seconds / r.seconds * 100);
    std::string name =
        fmt::format("client {}ms c={}{}", r.latency_ms, r.concurrency, r.cache ? " +cache" : "");
    double rate = r.requests / r.seconds;
    if (r.latency_ms > 0) {
      double ceiling = r.concurrency * 1000.0 / r.latency_ms;
      bench::Row(name + " req/s", rate, "req/s", ceiling, "concurrency/latency",
                 bench::Better::kHigher, 1.25);
    } else {
      bench::Info(name + " req/s", rate, "req/s");
    }
    bench::Info(name + " client cpu/req", r.cpu_seconds / r.requests * 1e6, "us");
  }
  return 0;
}
