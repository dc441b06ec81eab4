// Discovery, the pure half: which repositories a writer with no `repos` in the config is
// watched in, from the pages of GitHub's search (issues and pull requests involving the
// writer), the writer's own repositories and the writer's recent events. No I/O, so the rules
// are unit-tested on their own (tests/unit/harvest_discovery_test.cpp); lookup.cpp makes the
// requests and stores the watches. docs/harvesting.md says why each source is read.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghharvest/store/ingest.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::harvest {

// The sources, as named in stats, sync_errors and watches.source: "search", "user_repos",
// "events".
// Pages read per cycle from `source`: the events API gives at most 300 events (3 pages of
// 100) and search at most 1,000 results (10 pages); a writer's own repositories, 100 pages.
int MaxDiscoveryPages(std::string_view source);

// The repositories one page of `source` names, in the order to watch them: search results
// most-touched repository first (ties by name), the others in page order. An error (kCorruption)
// when the body is not a page of that source.
Result<std::vector<std::string>> ReposOnPage(std::string_view source, const std::string& body);

// Of `found`, the names to add as watches of a writer whose discovered watches are
// `discovered`: valid repository names not watched yet (case-insensitive; a gone watch is
// remembered, so never re-added), while the writer's active discovered watches stay within
// `cap`. In `found`'s order, each once.
std::vector<std::string> NewWatches(const std::vector<store::WatchRow>& discovered,
                                    const std::vector<std::string>& found, int cap);

// Whether something with a next-poll time (a writer's events, given the X-Poll-Interval of
// the last read; a gone account's next look) may be asked for at `now` (nullopt or
// unparsable: yes).
bool PollDue(const std::optional<std::string>& next_poll_at, Clock::TimePoint now);

// When the events may be asked for next, from a response's X-Poll-Interval (none: 60 s).
std::string NextEventsPoll(std::optional<int> poll_interval, Clock::TimePoint now);

}  // namespace ghharvest::harvest
