// The pure rules of discovery (discovery.hpp).
#include "harvest/discovery.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <utility>

#include "ghharvest/github/events.hpp"
#include "ghharvest/github/parse.hpp"
#include "ghharvest/util/names.hpp"

namespace ghharvest::harvest {
namespace {

// Events API: at most 300 events, 100 per page.
constexpr int kMaxEventPages = 3;
// Search: at most 1,000 results per query, 100 per page.
constexpr int kMaxSearchPages = 10;

}  // namespace

int MaxDiscoveryPages(std::string_view source) {
  return source == "search" ? kMaxSearchPages : source == "events" ? kMaxEventPages : 100;
}

Result<std::vector<std::string>> ReposOnPage(std::string_view source, const std::string& body) {
  std::vector<std::string> found;
  if (source == "search") {
    auto page = github::ParseSearchIssues(body);
    if (!page.ok()) return page.status();
    // Most-touched repositories first.
    std::map<std::string, int> hits;
    for (const auto& it : page->items) ++hits[it.repo_full_name];
    std::vector<std::pair<int, std::string>> order;
    for (const auto& hit : hits) order.emplace_back(-hit.second, hit.first);
    std::sort(order.begin(), order.end());
    for (auto& o : order) found.push_back(std::move(o.second));
  } else if (source == "user_repos") {
    auto repos = github::ParseRepoList(body);
    if (!repos.ok()) return repos.status();
    for (const auto& repo : *repos) found.push_back(repo.full_name);
  } else {
    auto events = github::ParseEventsPage(body);
    if (!events.ok()) return events.status();
    for (const auto& e : *events) found.push_back(e.repo_name);
  }
  return found;
}

std::vector<std::string> NewWatches(const std::vector<store::WatchRow>& discovered,
                                    const std::vector<std::string>& found, int cap) {
  // Gone watches are remembered (never re-added) but leave their place to new finds.
  std::set<std::string> have;
  int active = 0;
  for (const store::WatchRow& w : discovered) {
    have.insert(AsciiLower(w.repo_name));
    active += w.status == "active";
  }
  std::vector<std::string> add;
  for (const auto& name : found) {
    if (!IsValidRepoName(name) || have.count(AsciiLower(name))) continue;
    if (active >= cap) break;
    add.push_back(name);
    have.insert(AsciiLower(name));
    ++active;
  }
  return add;
}

bool PollDue(const std::optional<std::string>& next_poll_at, Clock::TimePoint now) {
  Clock::TimePoint next;
  return !(next_poll_at && ParseIso8601(*next_poll_at, &next) && now < next);
}

std::string NextEventsPoll(std::optional<int> poll_interval, Clock::TimePoint now) {
  return FormatIso8601(now + std::chrono::seconds(poll_interval.value_or(60)));
}

}  // namespace ghharvest::harvest
