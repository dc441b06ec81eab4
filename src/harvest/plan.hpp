// The pure half of the harvester: which URL a list is read from, and how a watermark follows
// from the data a list returned. No I/O, so the rules are unit-tested on their own
// (tests/unit/harvest_plan_test.cpp). docs/harvesting.md explains the why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ghharvest::harvest {

enum class ListKind {
  kCommits,         // per (writer, project): ?author=LOGIN&since=  (commit date, newest first)
  kIssues,          // per (writer, project): ?creator=LOGIN&state=all&since=  (updated_at asc)
  kIssueComments,   // per project: /issues/comments?since=  (updated_at asc)
  kReviewComments,  // per project: /pulls/comments?since=  (updated_at asc)
};

// The endpoint name used in sync_state, stats and sync_errors.
const char* ListEndpoint(ListKind kind);

// The first page's path (under the API root) of a list. `login` is used by the per-writer
// lists only. Lists sorted by updated_at ascending let the watermark advance page by page.
std::string ListPath(ListKind kind, std::string_view full_name, std::string_view login,
                     const std::optional<std::string>& since);

// Other request paths.
std::string RepoPath(std::string_view full_name);
std::string UserPath(std::string_view login);
std::string PullsPath(std::string_view full_name);  // sort=updated, direction=desc
std::string ReviewsPath(std::string_view full_name, std::int64_t number);
std::string SearchInvolvesPath(std::string_view login);
std::string UserReposPath(std::string_view login);
std::string UserEventsPath(std::string_view login);

// sync_state scopes: "owner/repo" for repository-wide lists, "login@owner/repo" (login in
// lower case) for per-writer ones.
std::string RepoScope(std::string_view full_name);
std::string WriterScope(std::string_view login, std::string_view full_name);

struct WatermarkRule {
  std::int64_t overlap_seconds = 600;
  // > 0: lists with reaction rollups keep re-reading this many days before the newest
  // item they hold (anchored to the data's clock and to a UTC day so the URL stays stable).
  int refresh_reactions_days = 0;
};

// The `since` to use next for `kind`, given the newest timestamp (updated_at, or commit date
// for commits) seen in that list: newest - overlap, or for rollup lists
// min(newest - overlap, day_floor(newest) - refresh days). nullopt if `newest` is unparsable.
std::optional<std::string> NextWatermark(ListKind kind, const std::string& newest,
                                         const WatermarkRule& rule);

// `iso` moved by `seconds` (negative: back); nullopt if unparsable.
std::optional<std::string> ShiftIso(const std::string& iso, std::int64_t seconds);

// The later of two optional ISO 8601 UTC timestamps (they compare as text).
std::optional<std::string> LaterOf(const std::optional<std::string>& a,
                                   const std::optional<std::string>& b);

}  // namespace ghharvest::harvest
