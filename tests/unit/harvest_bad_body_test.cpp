// Bad bodies through the harvester, over a scripted transport (no sockets): the client is the
// one layer that retries them (cut, not JSON, empty); a whole JSON page of the wrong shape is
// the server's answer, so the harvester records it and gives the scope up for the cycle
// without asking again, and drops its validators so the next cycle asks unconditionally.
#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "check_ok.hpp"
#include "ghharvest/app/adapters.hpp"
#include "ghharvest/config/config.hpp"
#include "ghharvest/github/client.hpp"
#include "ghharvest/harvest/harvester.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/writers.hpp"
#include "ghharvest/util/log.hpp"
#include "scripted_transport.hpp"
#include "test_paths.hpp"

namespace gh = ghharvest;
using gh::testing::Reply;

namespace {

const std::string kApi = "https://api.github.com";
const std::string kIssues = kApi +
                            "/repos/o/r/issues?state=all&sort=created&direction=asc&"
                            "per_page=100";

// What the one list under test answers.
enum class Issues { kGood, kWrongShape, kCutTwice };

// One writer (alice) watching one repository (o/r): every list is empty but the issues list.
struct Rig {
  Rig() {
    gh::log::SetLevel(gh::log::Level::kError);
    cfg.path = dir.file("ghharvest.toml");
    cfg.storage.database = dir.file("ghharvest.db");
    cfg.github.api_url = kApi;
    gh::config::WriterConfig w;
    w.login = "alice";
    w.repos = {"o/r"};
    cfg.writers.push_back(w);
    auto opened = gh::store::Database::Open(cfg.storage.database);
    REQUIRE_OK(opened);
    db = std::move(*opened);
    REQUIRE_OK(gh::store::SyncWriters(*db, gh::config::WatchedWriters(cfg)));
  }

  gh::http::HttpResult Answer(const gh::http::HttpGet& get) {
    if (get.url == kApi + "/users/alice") {
      return Reply(200, R"({"id":1,"login":"alice","type":"User"})", {{"etag", "\"u\""}});
    }
    if (get.url == kApi + "/repos/o/r") {
      return Reply(200, R"({"id":10,"full_name":"o/r","owner":{"id":2,"login":"o"}})",
                   {{"etag", "\"r\""}});
    }
    if (get.url == kIssues) {
      gh::http::HttpResult good = Reply(200, "[]", {{"etag", "\"issues-good\""}});
      switch (issues) {
        case Issues::kGood:
          return good;
        case Issues::kWrongShape:
          // Whole, valid JSON, validators and all: not a list of issues.
          return Reply(200, R"({"message":"not a list"})", {{"etag", "\"issues-bad\""}});
        case Issues::kCutTwice:
          if (++cuts > 2) return good;
          good.body = "[{\"id\"";
          good.truncated = true;
          return good;
      }
    }
    return Reply(200, "[]", {{"etag", "\"e\""}});
  }

  struct Run {
    gh::Status status;
    gh::harvest::HarvestStats stats;
    gh::github::ClientStats client;
    std::vector<gh::testing::SentGet> sent;
    int SentTo(const std::string& url) const {
      int n = 0;
      for (const auto& s : sent) n += s.get.url == url;
      return n;
    }
  };

  // One cycle, with a fresh client over a fresh scripted transport (as sync --once does).
  Run Sync() {
    boost::asio::io_context io;
    gh::github::ClientOptions co;
    co.api_url = kApi;
    co.token = "test-token";
    co.retry_base = std::chrono::milliseconds(1);
    co.max_retries = 3;
    auto owned = std::make_unique<gh::testing::ScriptedTransport>(
        io, clock, [this](const gh::http::HttpGet& get, int) { return Answer(get); });
    gh::testing::ScriptedTransport& transport = *owned;
    gh::app::DatabaseEtagStore etags(*db);
    gh::github::Client client(io, clock, &etags, co, std::move(owned));
    gh::harvest::Harvester harvester(io, clock, *db, client, cfg);
    Run run;
    bool called = false;
    harvester.SyncAll([&](gh::Status s, gh::harvest::HarvestStats st) {
      run.status = s;
      run.stats = std::move(st);
      called = true;
    });
    io.run();
    REQUIRE(called);
    CHECK(transport.open() == 0);
    run.client = client.stats();
    run.sent = transport.sent;
    return run;
  }

  std::int64_t Count(const std::string& sql) {
    auto n = db->QueryInt(sql);
    REQUIRE_OK(n);
    return n->value_or(-1);
  }

  gh::testing::TempDir dir;
  gh::config::Config cfg;
  std::unique_ptr<gh::store::Database> db;
  gh::ScaledClock clock{1000};
  Issues issues = Issues::kGood;
  int cuts = 0;
};

}  // namespace

TEST_CASE(
    "a whole page of the wrong shape fails its scope once, is not re-asked, and is forgotten") {
  Rig rig;
  rig.issues = Issues::kWrongShape;
  auto first = rig.Sync();
  CHECK(first.status.code() == gh::Status::Code::kUnavailable);
  CHECK(first.stats.scopes_failed == 1);
  // One request: the client delivered it whole, the harvester did not ask again.
  CHECK(first.SentTo(kIssues) == 1);
  CHECK(first.client.retries == 0);
  CHECK(rig.Count("SELECT count(*) FROM sync_errors WHERE url LIKE '%/repos/o/r/issues?%'") == 1);
  // The client stored the page's validators after the callback; the harvester forgot them.
  CHECK(rig.Count("SELECT count(*) FROM http_cache WHERE url LIKE '%/repos/o/r/issues?%'") == 0);
  CHECK(rig.Count("SELECT count(*) FROM http_cache WHERE url LIKE '%/repos/o/r/pulls?%'") == 1);

  // Next cycle the page is whole: asked for unconditionally, and the cycle completes.
  rig.issues = Issues::kGood;
  auto second = rig.Sync();
  CHECK_OK(second.status);
  REQUIRE(second.SentTo(kIssues) == 1);
  for (const auto& s : second.sent) {
    if (s.get.url == kIssues) CHECK_FALSE(s.HasHeader("If-None-Match"));
  }
  CHECK(rig.Count("SELECT count(*) FROM http_cache WHERE url LIKE '%/repos/o/r/issues?%'") == 1);
}

TEST_CASE("a page cut short is retried by the client alone, and the cycle completes") {
  Rig rig;
  rig.issues = Issues::kCutTwice;
  auto run = rig.Sync();
  CHECK_OK(run.status);
  CHECK(run.stats.scopes_failed == 0);
  CHECK(run.SentTo(kIssues) == 3);
  CHECK(run.client.retries == 2);
  CHECK(rig.Count("SELECT count(*) FROM sync_errors") == 0);
}
