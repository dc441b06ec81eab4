// The pure half of the harvester: which URL a list is read from, and how a watermark follows
// from the data a list returned. No I/O, so the rules are unit-tested on their own
// (tests/unit/harvest_plan_test.cpp). docs/harvesting.md explains the why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ghharvest::harvest {

// The lists of one repository, read once for every watched writer in it.
enum class ListKind {
  kCommits,         // /commits?since=  (commit date, newest first; a watermark)
  kIssues,          // /issues?state=all, sort=created asc  (every page revalidated)
  kIssueComments,   // /issues/comments, sort=created asc  (every page revalidated)
  kReviewComments,  // /pulls/comments, sort=created asc  (every page revalidated)
};

// The endpoint name used in sync_state, list_pages, stats and sync_errors.
const char* ListEndpoint(ListKind kind);

// Lists read oldest-created first carry no watermark: a new item lands on the last page, so
// the earlier pages keep their bytes (and ETags) as the repository grows, and re-reading
// them costs a 304 each unless an item on them changed (a reaction, an edit, a deletion).
bool InCreationOrder(ListKind kind);

// The first page's path (under the API root) of a repository's list. `since` is used by
// commits only (GitHub's commits list filters on the commit date).
std::string ListPath(ListKind kind, std::string_view full_name,
                     const std::optional<std::string>& since);

// Large repositories: the commits and issues lists can also be read per watched writer
// (commits?author=LOGIN, issues?creator=LOGIN), in the same order as the whole list, so a
// writer's list pages stay stable and revalidate with 304s like the whole list's.
bool HasWriterForm(ListKind kind);
// The first page's path of `login`'s part of list `kind` (HasWriterForm(kind) only).
// Commits: listed from the commit `from` (kWriterCommitsFromEndpoint; "": the branch).
std::string WriterListPath(ListKind kind, std::string_view full_name, std::string_view login,
                           const std::optional<std::string>& since, std::string_view from = {});

// The `page` parameter of a page URL (rel="last": how many pages a list has); nullopt when
// the URL has none or it is not a positive number.
std::optional<std::int64_t> PageNumberOf(std::string_view url);

// Whether a list is read per writer, judged from its first page: `pages` pages in all (its
// rel="last"), `own` of the `on_page` items on that page by the repository's `writers`
// watched writers. Only past `above_pages` pages (0: never), and only when the estimated
// per-writer read (one page per writer plus their share of the pages) is at most half of the
// whole list's pages, so a wrong estimate of the share still leaves the cheaper read.
bool ReadPerWriter(std::int64_t pages, std::size_t writers, std::size_t own, std::size_t on_page,
                   int above_pages);

// The stretch of a creation-ordered list that one re-read page speaks for, as an id range
// (lower, upper]: from just after where the previous page ended (the first page: from the
// start) to the page's last id (the last page: to the end). An item the store holds in that
// stretch but the page does not list was deleted on GitHub. `prev_last` is the previous
// page's last id, nullopt when unknown (then the page speaks only for its own ids' range);
// `ids` are the page's item ids in list order.
struct Stretch {
  bool check = false;  // false: the page cannot tell (unknown start, nothing on it)
  std::optional<std::int64_t> lower, upper;  // open when unset
};
Stretch PageStretch(std::int64_t page, bool prev_known, std::optional<std::int64_t> prev_last,
                    const std::vector<std::int64_t>& ids, bool last_page);

// Which pages of a creation-ordered list one cycle revalidates, under a budget of `budget`
// pages per list (0: all; below 4 counts as 4). A list known to have `known_pages` pages (from
// list_pages; 0: never read) within the budget is read whole. A longer one: page 1, a sweep
// window of W = budget - 1 - N consecutive older pages starting at `sweep` (wrapping to page
// 2), and the newest N = max(1, budget / 3) pages through to the end of the list (new pages
// included). Windows advance by W - 1 so that consecutive windows share a page and every
// boundary between two pages is read from both sides in some cycle. Adjacent blocks merge.
struct Block {
  std::int64_t first = 1;
  std::optional<std::int64_t> last;  // unset: to the end of the list
};
struct Revalidation {
  std::vector<Block> blocks;    // in page order; one open block {1, unset}: read it whole
  std::int64_t next_sweep = 0;  // the sweep start for the next cycle (0: no sweep)
};
Revalidation PlanRevalidation(std::int64_t known_pages, int budget, std::int64_t sweep);
// Cycles within which every page of a list of `pages` pages is revalidated under `budget`.
std::int64_t RevalidationBound(std::int64_t pages, int budget);

// The URL of page `page`, made from the URL GitHub gave for page 2 (its rel="next" on page
// 1) by replacing that page parameter, so it is the very URL GitHub's own links name (and
// its ETag is found). nullopt when `page2_url` has no `page=2` parameter.
std::optional<std::string> PageUrl(const std::string& page2_url, std::int64_t page);

// Items per page of every list the harvester reads (`per_page=100`, GitHub's maximum).
inline constexpr std::int64_t kListPageSize = 100;

// The URL of the page after page `page` of the list `url` (a URL of that page: with its
// `page` parameter, or without one for page 1).
std::string PageAfter(const std::string& url, std::int64_t page);

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

// The commits list's probe. Commits come newest first, so a pass of more than one page
// moves the watermark only at its end, and the URL the next cycle would ask for (`since` the
// new watermark) has no validators yet. Instead of reading that URL at once to get them, the
// next cycle first asks again for the pass's own first page, which it holds validators for:
// a 304 says no commit came (0 points); a 200 whose page reaches back past the watermark holds
// every new commit (1 point, what reading the new URL now would have cost). Kept in the
// watermark row's cursor as "probe" or "probe since=<the pass's since>".
std::string ProbeCursor(const std::optional<std::string>& since);
// The `since` of the probe a cursor names (the inner nullopt: the list without `since`);
// nullopt when the cursor names no probe.
std::optional<std::optional<std::string>> ProbeOf(const std::optional<std::string>& cursor);
// Whether a probe's 200 holds every commit since `watermark`: its page is the list's last,
// or holds a commit dated before the watermark, anything newer coming before it. That holds
// only while the list runs newest date first: a page whose dates do not descend (a
// committer's clock wrong, history rewritten with old dates) may have a newer commit on the
// next page, so it covers only when it is the last (`dates_descend` false).
bool ProbeCovers(bool last_page, const std::optional<std::string>& oldest_on_page,
                 bool dates_descend, const std::optional<std::string>& watermark);

// Commits pushed since a known commit, whatever their dates. `since` filters on the commit
// date, so a commit pushed long after it was made (a branch merged with a merge commit keeps
// its commits' dates) is never listed once the watermark passed its date. GitHub's compare
// lists the commits reachable from the default branch and not from `base`: every commit
// pushed after `base` was seen on the branch, as none of them can be its ancestor. The
// path's `branch` is percent-encoded but for '/', which GitHub reads as part of the name.
std::string ComparePath(std::string_view full_name, std::string_view base, std::string_view branch);
// Page `page` of the comparison from `base` to the commit `head`: a comparison between two
// shas does not change, whatever is pushed, so its pages all list one history (page 1 of the
// comparison to the branch named the head, see ComparisonPage::head_sha).
std::string PinnedComparePath(std::string_view full_name, std::string_view base,
                              std::string_view head, std::int64_t page);
// The first page of the commits of `branch` (named, so that the URL is not the plain list's,
// whose validators a whole read after a history rewrite must not disturb).
std::string BranchCommitsPath(std::string_view full_name, std::string_view branch);
// The first page of one commit of the default branch (its head): the base of a repository
// whose commits are read per writer, as no whole read of its list names one.
std::string HeadCommitPath(std::string_view full_name);
// The comparison's base, kept in sync_state (endpoint kCompareEndpoint, the repository's
// scope): the cursor names the sha, then
// - " due" once the repository's own GET answered 200 (its pushed_at may have moved) until a
//   comparison has been read: while the repository answers 304 nothing was pushed and no
//   comparison is asked for, and a comparison cut short is asked again whatever it answers;
// - " reading" while a comparison of more than one page is being stored (due as well): its
//   first page's validators are not to be trusted then, as a 304 on it would hide the pages
//   not yet stored. " reading HEAD" names the head its first page was made to: a read cut
//   short is finished to that head (PinnedComparePath), so that nothing it stored is left
//   past the base it ends with.
// A repository whose commits list answered 409 (nothing was ever pushed) keeps the cursor
// "empty" instead of a sha: a 409 has no validators, so asking again would cost a point
// every cycle; while the repository's GET answers 304 nothing was pushed since.
// While the branch is read whole after a history rewrite (commits_compare.cpp) the cursor
// reads kRewrittenCursor instead.
inline constexpr const char* kCompareEndpoint = "commits_base";
inline constexpr const char* kRewrittenCursor = "rewritten";
// The commit a repository's per-writer commits lists are read from (sync_state, the
// repository's scope, the sha in `cursor`): commits?sha= of a fixed commit lists one
// history, so a writer's list never holds what a later force-push takes off the branch
// unseen, and its URL (and validators) stay. Everything pushed after it is the
// comparison's, which stores every writer's commits. Set to the comparison's base when
// first needed; moved to the head by a whole read after a rewrite and by a new plan.
inline constexpr const char* kWriterCommitsFromEndpoint = "commits_writers_from";
struct CompareBase {
  std::string sha;  // empty: the repository had no commits when last asked
  bool due = false;
  bool reading = false;  // implies due
  std::string head;      // while reading: the head its pages are asked to ("": the branch)
  bool empty_repository() const { return sha.empty(); }
};
std::string CompareCursor(const CompareBase& base);
// nullopt when the cursor names no base (neither a sha of 40 or 64 lower-case hex digits
// nor "empty").
std::optional<CompareBase> CompareBaseOf(const std::optional<std::string>& cursor);

// A commit date is the committer's clock, not GitHub's: one dated in the future (a wrong
// clock) would carry a watermark past every commit still to come. The newest commit date a
// response showed, held to that response's `Date` (`server_time`, when it sent one).
std::optional<std::string> HeldToServerTime(const std::optional<std::string>& newest,
                                            const std::optional<std::string>& server_time);

// `iso` moved by `seconds` (negative: back); nullopt if unparsable.
std::optional<std::string> ShiftIso(const std::string& iso, std::int64_t seconds);

// The later of two optional ISO 8601 UTC timestamps (they compare as text).
std::optional<std::string> LaterOf(const std::optional<std::string>& a,
                                   const std::optional<std::string>& b);

}  // namespace ghharvest::harvest
