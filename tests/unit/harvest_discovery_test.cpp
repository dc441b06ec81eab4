// Discovery's pure rules (src/harvest/discovery.hpp): which repositories each source's page
// names and in what order, which of them become watches under the cap, and when the events
// may be read again.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "files.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/util/clock.hpp"
#include "harvest/discovery.hpp"

namespace gh = ghharvest;
namespace hv = ghharvest::harvest;
using ghharvest::testing::ReadFixture;

namespace {

std::string SearchHit(int id, const std::string& repo) {
  return "{\"id\":" + std::to_string(id) + ",\"number\":" + std::to_string(id) +
         ",\"repository_url\":\"https://api.github.com/repos/" + repo + "\"}";
}

gh::store::WatchRow Watch(const std::string& repo, const std::string& status) {
  gh::store::WatchRow w;
  w.writer = "bob";
  w.repo_name = repo;
  w.source = "search";
  w.status = status;
  return w;
}

gh::Clock::TimePoint At(const char* iso) {
  gh::Clock::TimePoint t;
  REQUIRE(gh::ParseIso8601(iso, &t));
  return t;
}

}  // namespace

TEST_CASE("a search page names its repositories most-touched first, ties by name") {
  std::string body = "{\"total_count\":5,\"incomplete_results\":false,\"items\":[" +
                     SearchHit(1, "o/few") + "," + SearchHit(2, "o/many") + "," +
                     SearchHit(3, "o/many") + "," + SearchHit(4, "o/b-tie") + "," +
                     SearchHit(5, "o/a-tie") + "]}";
  auto found = hv::ReposOnPage("search", body);
  REQUIRE_MESSAGE(found.ok(), found.status().ToString());
  CHECK(*found == std::vector<std::string>{"o/many", "o/a-tie", "o/b-tie", "o/few"});
}

TEST_CASE("the writer's repositories and events name theirs in page order") {
  auto repos = hv::ReposOnPage(
      "user_repos", R"([{"id":7,"full_name":"bob/zeta"},{"id":8,"full_name":"bob/alpha"}])");
  REQUIRE_MESSAGE(repos.ok(), repos.status().ToString());
  CHECK(*repos == std::vector<std::string>{"bob/zeta", "bob/alpha"});

  auto events = hv::ReposOnPage("events", ReadFixture("openapi/example-user-events-items.json"));
  REQUIRE_MESSAGE(events.ok(), events.status().ToString());
  // One entry per event: the same repository twice is left to NewWatches to fold.
  CHECK(*events == std::vector<std::string>{"octocat/Hello-World", "octocat/Hello-World"});
}

TEST_CASE("a page of the wrong shape is a corrupt body, not an empty page") {
  // Search answers an object, the other two an array: each given the other's shape.
  const std::vector<std::pair<std::string, std::string>> cases{
      {"search", R"([{"id":1}])"},
      {"user_repos", R"({"message":"Not Found"})"},
      {"events", R"({"message":"Not Found"})"}};
  for (const auto& c : cases) {
    const std::string& source = c.first;
    CAPTURE(source);
    auto found = hv::ReposOnPage(source, c.second);
    REQUIRE_FALSE(found.ok());
    CHECK(found.status().code() == gh::Status::Code::kCorruption);
  }
}

TEST_CASE("finds become watches once, valid names only, within the cap of active watches") {
  std::vector<gh::store::WatchRow> have{Watch("o/Kept", "active"), Watch("o/gone", "gone")};
  std::vector<std::string> found{"O/KEPT", "o/gone", "not a repo", "o/new1",
                                 "o/new1", "o/new2", "o/new3"};
  // A gone watch keeps its name (never re-added) but not its place under the cap.
  CHECK(hv::NewWatches(have, found, 3) == std::vector<std::string>{"o/new1", "o/new2"});
  CHECK(hv::NewWatches(have, found, 10) == std::vector<std::string>{"o/new1", "o/new2", "o/new3"});
  CHECK(hv::NewWatches(have, found, 1).empty());
  CHECK(hv::NewWatches({}, {"a/b", "A/B"}, 5) == std::vector<std::string>{"a/b"});
}

TEST_CASE("events are read again after the poll interval GitHub asked for") {
  const auto now = At("2026-03-01T12:00:00Z");
  CHECK(hv::PollDue(std::nullopt, now));
  CHECK(hv::PollDue(std::string("not a time"), now));
  CHECK_FALSE(hv::PollDue(std::string("2026-03-01T12:00:30Z"), now));
  CHECK(hv::PollDue(std::string("2026-03-01T12:00:00Z"), now));
  CHECK(hv::PollDue(std::string("2026-03-01T11:59:59Z"), now));
  CHECK(hv::NextEventsPoll(300, now) == "2026-03-01T12:05:00Z");
  CHECK(hv::NextEventsPoll(std::nullopt, now) == "2026-03-01T12:01:00Z");
}

TEST_CASE("search reads at most 10 pages, events 3, a writer's repositories 100") {
  CHECK(hv::MaxDiscoveryPages("search") == 10);
  CHECK(hv::MaxDiscoveryPages("events") == 3);
  CHECK(hv::MaxDiscoveryPages("user_repos") == 100);
}
