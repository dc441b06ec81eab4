// The pure rules of the harvester (plan.hpp): request paths, watermarks, the stretch a
// re-read page speaks for and the revalidation plan.
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

bool HasWriterForm(ListKind kind) {
  return kind == ListKind::kCommits || kind == ListKind::kIssues;
}

std::string WriterListPath(ListKind kind, std::string_view full_name, std::string_view login,
                           const std::optional<std::string>& since, std::string_view from) {
  if (kind == ListKind::kCommits) {
    const std::string sha = from.empty() ? std::string() : fmt::format("sha={}&", from);
    return fmt::format("/repos/{}/commits?{}author={}&per_page=100{}", full_name, sha, login,
                       SinceParam(since));
  }
  return fmt::format(
      "/repos/{}/issues?creator={}&state=all&sort=created&direction=asc&per_page=100", full_name,
      login);
}

std::optional<std::int64_t> PageNumberOf(std::string_view url) {
  auto q = url.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = url.substr(q + 1);
  rest = rest.substr(0, rest.find('#'));
  while (!rest.empty()) {
    std::string_view param = rest.substr(0, rest.find('&'));
    rest.remove_prefix(std::min(rest.size(), param.size() + 1));
    if (param.substr(0, 5) != "page=") continue;
    std::string_view digits = param.substr(5);
    if (digits.empty() || digits.size() > 12) return std::nullopt;
    std::int64_t n = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
    if (n <= 0) return std::nullopt;
    return n;
  }
  return std::nullopt;
}

bool ReadPerWriter(std::int64_t pages, std::size_t writers, std::size_t own, std::size_t on_page,
                   int above_pages) {
  if (above_pages <= 0 || pages <= above_pages || writers == 0 || on_page == 0) return false;
  const double share = static_cast<double>(std::min(own, on_page)) / static_cast<double>(on_page);
  const double estimate = static_cast<double>(writers) + share * static_cast<double>(pages);
  return 2 * estimate <= static_cast<double>(pages);
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

namespace {
struct Shape {
  std::int64_t newest, window;
};
Shape ShapeOf(int budget) {
  std::int64_t b = std::max(budget, 4);
  std::int64_t n = std::max<std::int64_t>(1, b / 3);
  return {n, b - 1 - n};
}
}  // namespace

Revalidation PlanRevalidation(std::int64_t known_pages, int budget, std::int64_t sweep) {
  Revalidation r;
  if (budget <= 0 || known_pages <= std::max(budget, 4)) {
    r.blocks.push_back(Block{1, std::nullopt});
    return r;
  }
  Shape sh = ShapeOf(budget);
  std::int64_t old_end = known_pages - sh.newest;  // pages 2..old_end are swept
  std::int64_t s = sweep;
  if (s < 2 || s >= old_end) s = 2;
  std::int64_t e = std::min(s + sh.window - 1, old_end);
  std::vector<Block> raw = {{1, 1}, {s, e}, {old_end + 1, std::nullopt}};
  for (const auto& b : raw) {
    if (!r.blocks.empty() && r.blocks.back().last && *r.blocks.back().last + 1 >= b.first) {
      r.blocks.back().last = b.last;  // adjacent: one block
    } else {
      r.blocks.push_back(b);
    }
  }
  r.next_sweep = e >= old_end ? 2 : e;  // the next window starts on this one's last page
  return r;
}

std::int64_t RevalidationBound(std::int64_t pages, int budget) {
  if (budget <= 0 || pages <= std::max(budget, 4)) return 1;
  Shape sh = ShapeOf(budget);
  std::int64_t old_pages = pages - sh.newest - 1;  // pages 2..old_end
  std::int64_t step = sh.window - 1;
  // Windows start at 2, 2 + step, ...; the one reaching old_end is the last of a round.
  std::int64_t windows = old_pages <= sh.window ? 1 : 1 + (old_pages - sh.window + step - 1) / step;
  return windows;
}

namespace {

// Where a URL's `page` query parameter is: `at` its "page=" (at a parameter's start, so not
// per_page=), `end` the end of its value.
struct PageParam {
  std::size_t at = 0, end = 0;
};
std::optional<PageParam> FindPageParam(const std::string& url) {
  for (std::size_t at = url.find("page="); at != std::string::npos;
       at = url.find("page=", at + 1)) {
    if (at == 0 || (url[at - 1] != '?' && url[at - 1] != '&')) continue;
    std::size_t end = url.find_first_of("&#", at);
    return PageParam{at, end == std::string::npos ? url.size() : end};
  }
  return std::nullopt;
}

std::string WithPage(const std::string& url, const PageParam& p, std::int64_t page) {
  return url.substr(0, p.at) + "page=" + std::to_string(page) + url.substr(p.end);
}

}  // namespace

std::optional<std::string> PageUrl(const std::string& page2_url, std::int64_t page) {
  auto p = FindPageParam(page2_url);
  if (!p || page2_url.compare(p->at, p->end - p->at, "page=2") != 0) return std::nullopt;
  return WithPage(page2_url, *p, page);
}

std::string PageAfter(const std::string& url, std::int64_t page) {
  if (auto p = FindPageParam(url)) return WithPage(url, *p, page + 1);
  std::size_t hash = url.find('#');
  std::string head = url.substr(0, hash), tail = hash == std::string::npos ? "" : url.substr(hash);
  return head + (head.find('?') == std::string::npos ? "?" : "&") +
         "page=" + std::to_string(page + 1) + tail;
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

namespace {
constexpr std::string_view kProbe = "probe";
constexpr std::string_view kProbeSince = "probe since=";
}  // namespace

std::string ProbeCursor(const std::optional<std::string>& since) {
  return since ? std::string(kProbeSince) + *since : std::string(kProbe);
}

std::optional<std::optional<std::string>> ProbeOf(const std::optional<std::string>& cursor) {
  if (!cursor) return std::nullopt;
  if (*cursor == kProbe) return std::optional<std::string>();
  if (cursor->size() > kProbeSince.size() && cursor->rfind(kProbeSince, 0) == 0) {
    return std::optional<std::string>(cursor->substr(kProbeSince.size()));
  }
  return std::nullopt;
}

std::optional<std::string> HeldToServerTime(const std::optional<std::string>& newest,
                                            const std::optional<std::string>& server_time) {
  if (newest && server_time && *server_time < *newest) return server_time;
  return newest;
}

namespace {
// A branch name in a path or a query: '/' kept (GitHub reads it as part of the name), the
// characters outside the safe set percent-encoded.
std::string EncodeBranch(std::string_view branch) {
  std::string ref;
  for (unsigned char c : branch) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/') {
      ref += static_cast<char>(c);
    } else {
      ref += fmt::format("%{:02X}", c);
    }
  }
  return ref;
}
}  // namespace

std::string ComparePath(std::string_view full_name, std::string_view base,
                        std::string_view branch) {
  return fmt::format("/repos/{}/compare/{}...{}?per_page=100", full_name, base,
                     EncodeBranch(branch));
}

std::string PinnedComparePath(std::string_view full_name, std::string_view base,
                              std::string_view head, std::int64_t page) {
  std::string path = ComparePath(full_name, base, head);
  if (page > 1) path += fmt::format("&page={}", page);
  return path;
}

std::string BranchCommitsPath(std::string_view full_name, std::string_view branch) {
  return fmt::format("/repos/{}/commits?sha={}&per_page=100", full_name, EncodeBranch(branch));
}

std::string HeadCommitPath(std::string_view full_name) {
  return fmt::format("/repos/{}/commits?per_page=1", full_name);
}

namespace {
constexpr std::string_view kDue = " due";
constexpr std::string_view kReading = " reading";
constexpr std::string_view kEmptyRepository = "empty";
}  // namespace

std::string CompareCursor(const CompareBase& base) {
  const std::string name = base.empty_repository() ? std::string(kEmptyRepository) : base.sha;
  // Nothing of an empty repository's is ever read page by page: no " reading" state.
  if (base.reading && !base.empty_repository()) {
    return name + std::string(kReading) +
           (IsCommitSha(base.head) ? " " + base.head : std::string());
  }
  return base.due || base.reading ? name + std::string(kDue) : name;
}

std::optional<CompareBase> CompareBaseOf(const std::optional<std::string>& cursor) {
  if (!cursor) return std::nullopt;
  std::string_view c = *cursor;
  CompareBase base;
  auto strip = [&c](std::string_view suffix) {
    if (c.size() <= suffix.size() || c.substr(c.size() - suffix.size()) != suffix) return false;
    c.remove_suffix(suffix.size());
    return true;
  };
  // " reading HEAD": the head is the last word, after " reading".
  if (const auto space = c.rfind(' '); space != std::string_view::npos) {
    const std::string_view rest = c.substr(0, space), head = c.substr(space + 1);
    if (IsCommitSha(head) && rest.size() > kReading.size() &&
        rest.substr(rest.size() - kReading.size()) == kReading) {
      base.head = std::string(head);
      c = rest;
    }
  }
  if (strip(kReading)) {
    base.reading = base.due = true;
  } else if (strip(kDue)) {
    base.due = true;
  }
  if (c == kEmptyRepository && !base.reading) return base;
  if (!IsCommitSha(c)) return std::nullopt;
  base.sha = std::string(c);
  return base;
}

bool ProbeCovers(bool last_page, const std::optional<std::string>& oldest_on_page,
                 bool dates_descend, const std::optional<std::string>& watermark) {
  if (last_page) return true;
  return dates_descend && oldest_on_page && watermark && *oldest_on_page < *watermark;
}

std::optional<std::string> LaterOf(const std::optional<std::string>& a,
                                   const std::optional<std::string>& b) {
  if (!a) return b;
  if (!b) return a;
  return *a < *b ? b : a;
}

}  // namespace ghharvest::harvest
