#include "harvest/plan.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include <fmt/format.h>

#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/names.hpp"

namespace ghharvest::harvest {
namespace {

std::string SinceParam(const std::optional<std::string>& since) {
  return since ? "&since=" + *since : std::string();
}

}  // namespace

const char* ListEndpoint(ListKind kind) {
  switch (kind) {
    case ListKind::kCommits:
      return "commits";
    case ListKind::kIssues:
      return "issues";
    case ListKind::kIssueComments:
      return "issue_comments";
    case ListKind::kReviewComments:
      return "review_comments";
  }
  return "?";
}

bool InCreationOrder(ListKind kind) { return kind != ListKind::kCommits; }

std::string ListPath(ListKind kind, std::string_view full_name,
                     const std::optional<std::string>& since) {
  switch (kind) {
    case ListKind::kCommits:
      return fmt::format("/repos/{}/commits?per_page=100{}", full_name, SinceParam(since));
    case ListKind::kIssues:
      return fmt::format("/repos/{}/issues?state=all&sort=created&direction=asc&per_page=100",
                         full_name);
    case ListKind::kIssueComments:
      return fmt::format("/repos/{}/issues/comments?sort=created&direction=asc&per_page=100",
                         full_name);
    case ListKind::kReviewComments:
      return fmt::format("/repos/{}/pulls/comments?sort=created&direction=asc&per_page=100",
                         full_name);
  }
  return {};
}

Stretch PageStretch(std::int64_t page, bool prev_known, std::optional<std::int64_t> prev_last,
                    const std::vector<std::int64_t>& ids, bool last_page) {
  Stretch s;
  std::optional<std::int64_t> lo, hi;
  for (auto id : ids) {
    lo = lo ? std::min(*lo, id) : id;
    hi = hi ? std::max(*hi, id) : id;
  }
  if (page <= 1) {
    s.check = true;  // the first page starts the list
  } else if (prev_known) {
    s.check = true;
    s.lower = prev_last;  // nullopt: the previous page was empty, so this one starts it all
  } else if (lo) {
    s.check = true;
    s.lower = *lo - 1;  // where it starts is unknown: only between its own items
  }
  if (!last_page) {
    if (!hi) return Stretch{};  // an empty page that is not the last tells nothing
    s.upper = hi;
  }
  return s;
}

std::string RepoPath(std::string_view full_name) { return fmt::format("/repos/{}", full_name); }
std::string UserPath(std::string_view login) { return fmt::format("/users/{}", login); }
std::string PullsPath(std::string_view full_name) {
  return fmt::format("/repos/{}/pulls?state=all&sort=updated&direction=desc&per_page=100",
                     full_name);
}
std::string ReviewsPath(std::string_view full_name, std::int64_t number) {
  return fmt::format("/repos/{}/pulls/{}/reviews?per_page=100", full_name, number);
}
std::string SearchInvolvesPath(std::string_view login) {
  return fmt::format("/search/issues?q=involves:{}&per_page=100", login);
}
std::string UserReposPath(std::string_view login) {
  return fmt::format("/users/{}/repos?per_page=100", login);
}
std::string UserEventsPath(std::string_view login) {
  return fmt::format("/users/{}/events/public?per_page=100", login);
}

std::string RepoScope(std::string_view full_name) { return std::string(full_name); }
std::string WriterScope(std::string_view login, std::string_view full_name) {
  return fmt::format("{}@{}", AsciiLower(login), full_name);
}

std::optional<std::string> ShiftIso(const std::string& iso, std::int64_t seconds) {
  Clock::TimePoint t;
  if (!ParseIso8601(iso, &t)) return std::nullopt;
  return FormatIso8601(t + std::chrono::seconds(seconds));
}

std::optional<std::string> NextWatermark(ListKind kind, const std::string& newest,
                                         const WatermarkRule& rule) {
  Clock::TimePoint t;
  if (!ParseIso8601(newest, &t)) return std::nullopt;
  auto since = t - std::chrono::seconds(rule.overlap_seconds);
  if (kind != ListKind::kCommits && rule.refresh_reactions_days > 0) {
    auto day = std::chrono::floor<std::chrono::days>(t);
    auto refresh = day - std::chrono::days(rule.refresh_reactions_days);
    since = std::min<Clock::TimePoint>(since, refresh);
  }
  return FormatIso8601(since);
}

std::optional<std::string> LaterOf(const std::optional<std::string>& a,
                                   const std::optional<std::string>& b) {
  if (!a) return b;
  if (!b) return a;
  return *a < *b ? b : a;
}

}  // namespace ghharvest::harvest
