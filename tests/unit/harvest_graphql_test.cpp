// The harvester reading reviews through GraphQL (harvest/reviews_graphql.hpp) against the
// synthetic GitHub over loopback: counts equal the world's truth whichever way the reviews
// came (GraphQL, REST fallback for a server without it or a config that says so, REST for
// what a partial answer left out), GitHub's limits and faults on GraphQL change nothing, a
// failed GraphQL read stores nothing and is retried, and an unchanged world sends no query.
#include <doctest/doctest.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "check_ok.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/log.hpp"
#include "harvest_harness.hpp"
#include "world/github_handler.hpp"
#include "world/graphql_handler.hpp"

namespace gh = ghharvest;
using gh::testing::HarvestHarness;
using gh::testing::HarvestHarnessOptions;
using gh::testing::HarvestRun;

namespace {

const bool kQuiet = (gh::log::SetLevel(gh::log::Level::kError), true);

gh::testing::WorldSpec Spec() {
  gh::testing::WorldSpec spec;
  spec.seed = 42;
  spec.writers = 5;
  spec.projects = 8;
  spec.items = 6000;
  return spec;
}

void CheckExact(HarvestHarness& h, const char* when) {
  INFO(when);
  auto stored = h.Stored();
  REQUIRE_OK(stored);
  REQUIRE_FALSE(stored->empty());
  CHECK(gh::testing::DiffCounts(*stored, h.Truth()) == "");
  auto dup = gh::testing::DuplicateRows(h.db());
  REQUIRE_OK(dup);
  CHECK(*dup == 0);
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::int64_t Count(HarvestHarness& h, const std::string& sql) {
  auto st = h.db().Prepare(sql);
  REQUIRE_OK(st);
  gh::store::StatementGuard g(**st);
  REQUIRE(g->Step());
  return g->Int(0);
}

std::int64_t Endpoint(const HarvestRun& r, const std::string& name, bool requests = true) {
  auto it = r.stats.per_endpoint.find(name);
  if (it == r.stats.per_endpoint.end()) return 0;
  return requests ? it->second.requests : it->second.pages;
}

std::int64_t GraphqlPosts(const HarvestRun& r) {
  auto it = r.server.per_route.find("/graphql");
  return it == r.server.per_route.end() ? 0 : it->second;
}

// Nothing changed: every request conditional and a 304, no GraphQL query, 0 points in every
// bucket (GitHub charges any GraphQL query at least one).
void CheckIdle(HarvestHarness& h, const char* when) {
  INFO(when);
  auto idle = h.Sync();
  CHECK_MESSAGE(idle.status.ok(), idle.status.ToString());
  CHECK(idle.server.requests > 0);
  CHECK(idle.server.not_modified == idle.server.requests);
  CHECK(idle.server.primary_points() == 0);
  CHECK(GraphqlPosts(idle) == 0);
  CHECK(idle.stats.graphql_requests == 0);
  CHECK(idle.stats.graphql_points == 0);
  CHECK_FALSE(idle.stats.counts_changed);
  CheckExact(h, when);
}

// A first sync whose pulls lists are read page by page over REST (GraphQL's list not taken),
// with the reviews by REST: exact.
void CheckEveryPullsPageRead(const HarvestHarnessOptions& o) {
  HarvestHarness h(o);
  const auto floor = h.RepositoryFloor();
  auto first = h.Sync();
  REQUIRE_MESSAGE(first.status.ok(), first.status.ToString());
  CheckExact(h, "first sync");
  CHECK(first.server.per_route["/repos/{o}/{r}/pulls"] == floor.pulls);
  CHECK(Endpoint(first, "reviews") > 0);
}

// A week of ordinary activity, then a sync: ok and exact. Returns the sync.
HarvestRun WeekLater(HarvestHarness& h, const char* when) {
  h.world().Advance(gh::testing::WeekOfActivity(h.world().ItemCount()));
  auto week = h.Sync();
  REQUIRE_MESSAGE(week.status.ok(), week.status.ToString());
  CheckExact(h, when);
  return week;
}

}  // namespace

TEST_CASE("reviews over GraphQL: exact counts, no REST reviews list, idle re-poll spends nothing") {
  HarvestHarnessOptions o;
  o.spec = Spec();
  HarvestHarness h(o);
  auto first = h.Sync();
  REQUIRE_MESSAGE(first.status.ok(), first.status.ToString());
  CheckExact(h, "first sync");
  // Every pull request's reviews came by GraphQL: no pulls/{n}/reviews at all.
  CHECK(Endpoint(first, "reviews") == 0);
  CHECK(Endpoint(first, "reviews", false) > 0);  // pull requests stored
  CHECK(Endpoint(first, "graphql_reviews") > 0);
  CHECK(first.stats.graphql_requests == GraphqlPosts(first));
  CHECK(first.stats.graphql_points > 0);
  CHECK(first.stats.graphql_points == first.server.points["graphql"]);
  // The graphql bucket is recorded for `ghharvest status`, beside core.
  CHECK(Count(h, "SELECT count(*) FROM rate_limits WHERE resource = 'graphql'") == 1);
  CHECK(Count(h, "SELECT count(*) FROM rate_limits WHERE resource = 'core'") == 1);
  CHECK(Count(h, "SELECT count(*) FROM sync_errors") == 0);
  CheckIdle(h, "unchanged after the first sync");

  // A week of activity: new reviews bump their pull requests, which the pulls list names and
  // GraphQL reads again from the pulls watermark.
  auto week = WeekLater(h, "after a week of activity");
  CHECK(Endpoint(week, "reviews") == 0);
  CHECK(week.stats.graphql_requests > 0);
  // One query per repository whose pulls list changed (each changed by far fewer than 100
  // pull requests): the query's size leaves room for the first older pull request, where the
  // fetch stops, so no second query is sent just to see it.
  const auto& pulls = week.stats.per_endpoint["pulls"];
  CHECK(Endpoint(week, "graphql_reviews") > 0);
  CHECK(Endpoint(week, "graphql_reviews") <= pulls.requests - pulls.not_modified);
  CheckIdle(h, "unchanged after the week");
}

TEST_CASE("a server without GraphQL (404): the REST reviews walk, the same exact counts") {
  HarvestHarnessOptions with, without;
  with.spec = without.spec = Spec();
  without.graphql.enabled = false;
  HarvestHarness a(with), b(without);
  auto ra = a.Sync();
  auto rb = b.Sync();
  REQUIRE_MESSAGE(ra.status.ok(), ra.status.ToString());
  REQUIRE_MESSAGE(rb.status.ok(), rb.status.ToString());
  CheckExact(a, "with GraphQL");
  CheckExact(b, "without GraphQL");
  auto sa = a.Stored();
  auto sb = b.Stored();
  REQUIRE_OK(sa);
  REQUIRE_OK(sb);
  CHECK(*sa == *sb);
  CHECK(Count(a, "SELECT count(*) FROM reviews") == Count(b, "SELECT count(*) FROM reviews"));
  CHECK(Endpoint(rb, "reviews") > 0);
  // One query: until the server has answered one, the client sends no second; every later or
  // queued query it answers itself. No bucket, no points.
  CHECK(GraphqlPosts(rb) == 1);
  CHECK(rb.stats.graphql_points == 0);
  CHECK(rb.server.points["graphql"] == 0);
  CHECK(ra.server.requests < rb.server.requests);
  CheckIdle(b, "unchanged, without GraphQL");
  WeekLater(b, "a week later, without GraphQL");
}

TEST_CASE("github.graphql = false: REST only, not one POST") {
  HarvestHarnessOptions o;
  o.spec = Spec();
  HarvestHarness h(o);
  h.config().github.graphql = false;
  auto first = h.Sync();
  REQUIRE_MESSAGE(first.status.ok(), first.status.ToString());
  CheckExact(h, "first sync");
  CHECK(GraphqlPosts(first) == 0);
  CHECK(Endpoint(first, "reviews") > 0);
  CheckIdle(h, "unchanged");
}

TEST_CASE("partial GraphQL answers: what came whole is stored, the rest read by REST, exact") {
  HarvestHarnessOptions o;
  o.spec = Spec();
  o.graphql.partial_rate = 0.3;
  HarvestHarness h(o);
  auto first = h.Sync();
  REQUIRE_MESSAGE(first.status.ok(), first.status.ToString());
  CheckExact(h, "first sync");
  CHECK(first.stats.graphql_requests > 0);
  // Some pull requests by REST, far fewer than all of them.
  const std::int64_t rest = Endpoint(first, "reviews");
  CHECK(rest > 0);
  CHECK(rest < Endpoint(first, "reviews", false));
  CHECK(Count(h,
              "SELECT count(*) FROM sync_errors WHERE url = 'graphql' AND message LIKE "
              "'%partial errors%'") > 0);
  CheckIdle(h, "unchanged");
  WeekLater(h, "a week later");
}

// Whether the client meets GitHub's RATE_LIMITED answer or stops itself at remaining 0 depends
// on how many queries are in flight when the 0 arrives (timing: under sanitizers mostly the
// latter). Either way the harvest must wait for the window's reset and end exact. The client's
// handling of RATE_LIMITED itself is tested deterministically in github_client_policy_test.
TEST_CASE("GraphQL at its limit: the harvest waits for the reset, counts exact") {
  gh::ScaledClock clock(1000.0);
  HarvestHarnessOptions o;
  o.spec = Spec();
  o.graphql.limit = 2;
  // 1.2 real seconds: the few queries of this world fit in one window unless they are held.
  o.graphql.window = std::chrono::seconds(1200);
  o.graphql.now = [&clock] {
    return std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch()).count();
  };
  HarvestHarness h(o);
  h.config().github.graphql_reserve = 0;  // so the queries meet GitHub's own refusal
  auto first = h.Sync(clock);
  REQUIRE_MESSAGE(first.status.ok(), first.status.ToString());
  const auto counters = h.handler().graphql().counters();
  MESSAGE("graphql answered " << counters.answered << ", rate_limited " << counters.rate_limited);
  // More answered queries than one window allows: at least one reset was waited for.
  CHECK(counters.answered > 2);
  CheckExact(h, "first sync");
  CHECK(Endpoint(first, "reviews") == 0);
}

TEST_CASE("a first read of a pulls list of several pages takes its pull requests from GraphQL") {
  // Merged state from the issues list as GitHub sends it today, or only from the pulls list
  // and GraphQL's mergedAt (GitHub before 2022, older Enterprise Servers).
  for (bool issues_merged_at : {true, false}) {
    CAPTURE(issues_merged_at);
    HarvestHarnessOptions o;
    o.spec = Spec();
    o.spec.items = 20000;  // several projects with more than 100 pull requests
    o.issues_merged_at = issues_merged_at;
    HarvestHarness h(o);
    const auto floor = h.RepositoryFloor();
    const auto projects = h.world().Read(
        [](const gh::testing::WorldModel& m) { return static_cast<std::int64_t>(m.repos.size()); });
    REQUIRE(floor.pulls > projects);  // some lists have more than a page
    auto first = h.Sync();
    REQUIRE_MESSAGE(first.status.ok(), first.status.ToString());
    CheckExact(h, "first sync");
    // One REST page per pulls list (its first: the watermark and the validators), every
    // pull request with its reviews and merged state from GraphQL.
    CHECK(first.server.per_route["/repos/{o}/{r}/pulls"] == projects);
    CHECK(Endpoint(first, "reviews") == 0);
    CHECK(Count(h, "SELECT count(*) FROM issues WHERE is_pull AND merged_at IS NOT NULL") > 0);
    CheckIdle(h, "unchanged after the first sync");
    WeekLater(h, "a week later");
  }
}

TEST_CASE("without GraphQL a first pulls read of several pages reads every page, exact") {
  // A server without GraphQL (404) and with no merged_at in its issues list: merged state
  // from the pulls list's pages alone.
  HarvestHarnessOptions o;
  o.spec = Spec();
  o.spec.items = 20000;
  o.graphql.enabled = false;
  o.issues_merged_at = false;
  CheckEveryPullsPageRead(o);
}

TEST_CASE(
    "a clean GraphQL answer that lists fewer pull requests than the list does is not trusted") {
  // A server (or a proxy) that answers the pull requests query cleanly but short: no pull
  // request at all. The REST pages are read instead and the reviews come by REST.
  HarvestHarnessOptions o;
  o.spec = Spec();
  o.spec.items = 20000;
  o.respond = [](const gh::testing::HttpRequest& r) -> std::optional<gh::testing::HttpResponse> {
    if (!gh::testing::GraphqlEndpoint::Handles(r) ||
        r.body.find("query PullRequestReviews(") == std::string::npos) {
      return std::nullopt;
    }
    gh::testing::HttpResponse out;
    out.status = 200;
    out.headers.emplace_back("content-type", "application/json; charset=utf-8");
    out.body = R"({"data":{"repository":{"pullRequests":{"pageInfo":{"hasNextPage":false,)"
               R"("endCursor":null},"nodes":[]}},"rateLimit":{"cost":1,"remaining":4999,)"
               R"("resetAt":"2030-01-01T00:00:00Z"}}})";
    return out;
  };
  CheckEveryPullsPageRead(o);
}

TEST_CASE("a GraphQL answer with errors on a first pulls read falls back to the list's pages") {
  HarvestHarnessOptions o;
  o.spec = Spec();
  o.spec.items = 20000;
  o.graphql.partial_rate = 0.2;  // some pull requests' reviews come back null with an error
  HarvestHarness h(o);
  const auto floor = h.RepositoryFloor();
  auto first = h.Sync();
  REQUIRE_MESSAGE(first.status.ok(), first.status.ToString());
  CheckExact(h, "first sync");
  // At least one list was read page by page again, as without GraphQL.
  CHECK(first.server.per_route["/repos/{o}/{r}/pulls"] >
        h.world().Read([](const gh::testing::WorldModel& m) {
          return static_cast<std::int64_t>(m.repos.size());
        }));
  CHECK(first.server.per_route["/repos/{o}/{r}/pulls"] <= floor.pulls);
  CheckIdle(h, "unchanged");
}

TEST_CASE("30% faults on REST and GraphQL alike: exact, no duplicates, idle spends nothing") {
  // The faults a query meets depend on its text: the first fault seed whose first sync
  // retried GraphQL POSTs (every seed's first sync must be exact).
  std::unique_ptr<HarvestHarness> harness;
  for (std::uint64_t seed = 7; seed < 12; ++seed) {
    CAPTURE(seed);
    HarvestHarnessOptions o;
    o.spec = Spec();
    o.fault_rate = 0.3;
    o.fault_seed = seed;
    auto h = std::make_unique<HarvestHarness>(o);
    auto first = h->Sync();
    REQUIRE_MESSAGE(first.status.ok(), first.status.ToString());
    CheckExact(*h, "first sync");
    if (first.stats.graphql_requests > Endpoint(first, "graphql_reviews")) {  // retried POSTs
      harness = std::move(h);
      break;
    }
  }
  REQUIRE(harness != nullptr);
  HarvestHarness& h = *harness;
  WeekLater(h, "a week later");
  CheckIdle(h, "unchanged");
}

TEST_CASE("a GraphQL read that fails: recorded, nothing stored, not ok, re-read next cycle") {
  HarvestHarnessOptions o;
  o.spec = Spec();
  o.fail_if = [](const gh::testing::HttpRequest& r) {
    return gh::testing::GraphqlEndpoint::Handles(r);
  };
  HarvestHarness h(o);
  auto first = h.Sync();
  REQUIRE_MESSAGE(first.status.ok(), first.status.ToString());
  CheckExact(h, "first sync");

  h.world().Advance(gh::testing::WeekOfActivity(h.world().ItemCount()));
  const std::int64_t reviews_before = Count(h, "SELECT count(*) FROM reviews");
  *o.failing = true;
  auto failed = h.Sync();
  CHECK(failed.status.code() == gh::Status::Code::kUnavailable);
  CHECK(failed.stats.scopes_failed > 0);
  CHECK(Endpoint(failed, "reviews", false) == 0);  // no review stored
  CHECK(Count(h, "SELECT count(*) FROM reviews") == reviews_before);
  CHECK(Count(h,
              "SELECT count(*) FROM sync_errors WHERE url = 'graphql' AND message LIKE "
              "'GraphQL reviews:%'") > 0);
  auto& gr = failed.stats.per_endpoint["graphql_reviews"];
  CHECK(gr.failures > 0);
  // The pulls walks whose reviews failed stay marked: a restart refuses their 304s.
  CHECK(Count(h, "SELECT count(*) FROM sync_state WHERE endpoint = 'pulls' AND walking") > 0);

  // The pulls watermark stayed: the next cycle asks GraphQL for the same pull requests.
  *o.failing = false;
  auto again = h.Sync();
  REQUIRE_MESSAGE(again.status.ok(), again.status.ToString());
  CHECK(again.stats.graphql_requests > 0);
  CHECK(Endpoint(again, "reviews", false) > 0);
  CheckExact(h, "after the failed cycle");
  CHECK(Count(h, "SELECT count(*) FROM sync_state WHERE endpoint = 'pulls' AND walking") == 0);
  CheckIdle(h, "unchanged");
}

TEST_CASE("GraphQL NOT_FOUND for a repository: handled as a gone repository, the rest exact") {
  HarvestHarnessOptions o;
  o.spec = Spec();
  HarvestHarness probe(o);
  REQUIRE_FALSE(probe.config().writers.empty());
  REQUIRE_FALSE(probe.config().writers[0].repos.empty());
  const std::string full = probe.config().writers[0].repos[0];
  const std::string name = full.substr(full.find('/') + 1);
  // GitHub's answer for a repository deleted (or made private) after its GET answered 200.
  o.respond =
      [name, full](const gh::testing::HttpRequest& r) -> std::optional<gh::testing::HttpResponse> {
    if (!gh::testing::GraphqlEndpoint::Handles(r)) return std::nullopt;
    if (r.body.find("\"name\":\"" + name + "\"") == std::string::npos) {
      return std::nullopt;
    }
    gh::testing::HttpResponse out;
    out.status = 200;
    out.headers.emplace_back("content-type", "application/json; charset=utf-8");
    out.body = R"({"data":{"repository":null},"errors":[{"type":"NOT_FOUND","path":["repository"],)"
               R"("message":"Could not resolve to a Repository with the name ')" +
               full + R"('."}]})";
    return out;
  };
  HarvestHarness h(o);
  auto first = h.Sync();
  CHECK_MESSAGE(first.status.ok(), first.status.ToString());
  CHECK(first.stats.projects_gone == 1);
  gh::store::Ingest ingest(h.db());
  auto watches = ingest.ListWatches();
  REQUIRE_OK(watches);
  int gone = 0, active = 0;
  for (const auto& w : *watches) {
    if (Lower(w.repo_name) == Lower(full)) {
      CHECK(w.status == "gone");
      ++gone;
    } else {
      active += w.status == "active";
    }
  }
  CHECK(gone > 0);
  CHECK(active > 0);
  CHECK(Count(h, "SELECT count(*) FROM sync_errors WHERE message LIKE 'gone (GraphQL%'") == 1);
  // The next cycle no longer polls it.
  auto next = h.Sync();
  CHECK_MESSAGE(next.status.ok(), next.status.ToString());
  CHECK(next.stats.projects == first.stats.projects - 1);
}

TEST_CASE("REST only: a pull request never updated since it was opened asks for no reviews") {
  HarvestHarnessOptions o;
  o.spec = Spec();
  HarvestHarness h(o);
  h.config().github.graphql = false;
  std::set<std::string> watched, watching;  // repositories; "login repository" pairs
  for (const auto& [login, repos] : h.world().WriterProjects()) {
    for (const auto& r : repos) {
      watched.insert(Lower(r));
      watching.insert(Lower(login) + " " + Lower(r));
    }
  }
  struct Pulls {
    std::int64_t all = 0, untouched = 0;
  };
  auto pulls = h.world().Read([&](const gh::testing::WorldModel& m) {
    Pulls p;
    for (const auto& r : m.repos) {
      if (r.deleted || !watched.count(Lower(r.full_name()))) continue;
      for (const auto& i : r.issues) {
        if (!i.is_pull) continue;
        ++p.all;
        p.untouched += i.updated == i.created;
      }
    }
    return p;
  });
  REQUIRE(pulls.untouched > 0);
  auto first = h.Sync();
  REQUIRE_MESSAGE(first.status.ok(), first.status.ToString());
  CheckExact(h, "first sync");
  CHECK(Endpoint(first, "reviews") == pulls.all - pulls.untouched);

  // A watched writer reviews one of them: the review moves its updated_at, as on GitHub, so
  // the next cycle's pulls list names it and its reviews are read.
  const auto reviewed = h.world().Write([&](gh::testing::WorldModel& m) {
    for (auto& r : m.repos) {
      for (auto& i : r.issues) {
        if (!i.is_pull || i.updated != i.created) continue;
        for (const auto& u : m.users) {
          if (u.id == i.user || !watching.count(Lower(u.login) + " " + Lower(r.full_name()))) {
            continue;
          }
          m.now += 60;
          gh::testing::WorldReview rv;
          rv.id = ++m.next_id;
          rv.number = i.number;
          rv.user = u.id;
          rv.state = "APPROVED";
          rv.submitted = m.now;
          r.reviews.push_back(rv);
          i.updated = m.now;
          return r.full_name() + "#" + std::to_string(i.number) + " by " + u.login;
        }
      }
    }
    return std::string();
  });
  REQUIRE_FALSE(reviewed.empty());
  INFO(reviewed);
  auto next = h.Sync();
  REQUIRE_MESSAGE(next.status.ok(), next.status.ToString());
  CheckExact(h, "after the review");  // the writer's new review is counted
  // Its pull request, and those the pulls watermark's overlap reads again.
  CHECK(Endpoint(next, "reviews") >= 1);
  CHECK(Endpoint(next, "reviews") <= 5);
}
