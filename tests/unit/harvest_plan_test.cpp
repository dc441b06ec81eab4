// The harvester's pure rules: request paths and how a watermark follows from the data.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "files.hpp"
#include "ghharvest/github/parse.hpp"
#include "harvest/plan.hpp"

namespace hv = ghharvest::harvest;

TEST_CASE("a repository's lists: commits since a date, the rest oldest-created first") {
  CHECK(hv::ListPath(hv::ListKind::kIssues, "o/r.x", std::nullopt) ==
        "/repos/o/r.x/issues?state=all&sort=created&direction=asc&per_page=100");
  CHECK(hv::ListPath(hv::ListKind::kCommits, "o/r", std::string("2026-01-01T00:00:00Z")) ==
        "/repos/o/r/commits?per_page=100&since=2026-01-01T00:00:00Z");
  CHECK(hv::ListPath(hv::ListKind::kCommits, "o/r", std::nullopt) ==
        "/repos/o/r/commits?per_page=100");
  CHECK(hv::ListPath(hv::ListKind::kIssueComments, "o/r", std::nullopt) ==
        "/repos/o/r/issues/comments?sort=created&direction=asc&per_page=100");
  // No `since` on a creation-ordered list: its pages must keep their URLs and ETags.
  CHECK(hv::ListPath(hv::ListKind::kReviewComments, "o/r", std::string("X")) ==
        "/repos/o/r/pulls/comments?sort=created&direction=asc&per_page=100");
  CHECK_FALSE(hv::InCreationOrder(hv::ListKind::kCommits));
  CHECK(hv::InCreationOrder(hv::ListKind::kIssues));
  CHECK(hv::PullsPath("o/r") ==
        "/repos/o/r/pulls?state=all&sort=updated&direction=desc&per_page=100");
  CHECK(hv::ReviewsPath("o/r", 42) == "/repos/o/r/pulls/42/reviews?per_page=100");
  CHECK(hv::SearchInvolvesPath("bob") == "/search/issues?q=involves:bob&per_page=100");
}

TEST_CASE("scopes name the project, and the writer in lower case for per-writer lists") {
  CHECK(hv::RepoScope("Octo/Repo") == "Octo/Repo");
  CHECK(hv::WriterScope("Alice", "Octo/Repo") == "alice@Octo/Repo");
  CHECK(std::string(hv::ListEndpoint(hv::ListKind::kReviewComments)) == "review_comments");
}

TEST_CASE("a large repository's commits and issues read per writer, in the whole list's order") {
  CHECK(hv::HasWriterForm(hv::ListKind::kCommits));
  CHECK(hv::HasWriterForm(hv::ListKind::kIssues));
  CHECK_FALSE(hv::HasWriterForm(hv::ListKind::kIssueComments));
  CHECK_FALSE(hv::HasWriterForm(hv::ListKind::kReviewComments));
  CHECK(hv::WriterListPath(hv::ListKind::kCommits, "o/r", "Alice-Dev", std::nullopt) ==
        "/repos/o/r/commits?author=Alice-Dev&per_page=100");
  CHECK(hv::WriterListPath(hv::ListKind::kCommits, "o/r", "bob",
                           std::string("2026-01-01T00:00:00Z")) ==
        "/repos/o/r/commits?author=bob&per_page=100&since=2026-01-01T00:00:00Z");
  // From a commit (the comparison's base): one history, whatever is pushed.
  CHECK(hv::WriterListPath(hv::ListKind::kCommits, "o/r", "bob", std::nullopt,
                           std::string(40, 'a')) ==
        "/repos/o/r/commits?sha=" + std::string(40, 'a') + "&author=bob&per_page=100");
  // No `since`: the writer's pages keep their URLs and ETags as the whole list's do.
  CHECK(hv::WriterListPath(hv::ListKind::kIssues, "o/r", "bob", std::string("X")) ==
        "/repos/o/r/issues?creator=bob&state=all&sort=created&direction=asc&per_page=100");
}

TEST_CASE("rel=\"last\" says how many pages a list has") {
  CHECK(hv::PageNumberOf("https://api.github.com/repositories/1/issues?state=all&page=57") == 57);
  CHECK(hv::PageNumberOf("https://api.github.com/x?page=3&per_page=100") == 3);
  CHECK(hv::PageNumberOf("/x?per_page=100&page=12#frag") == 12);
  CHECK_FALSE(hv::PageNumberOf("https://api.github.com/x?per_page=100"));
  CHECK_FALSE(hv::PageNumberOf("https://api.github.com/x?subpage=4"));
  CHECK_FALSE(hv::PageNumberOf("https://api.github.com/x?page=0"));
  CHECK_FALSE(hv::PageNumberOf("https://api.github.com/x?page=-2"));
  CHECK_FALSE(hv::PageNumberOf("https://api.github.com/x?page=9x"));
  CHECK_FALSE(hv::PageNumberOf("https://api.github.com/x?page="));
  CHECK_FALSE(hv::PageNumberOf("https://api.github.com/x?page=99999999999999999999"));
  CHECK_FALSE(hv::PageNumberOf("https://api.github.com/page=3"));
}

TEST_CASE("a list is read per writer when it is long and the writers' share of it small") {
  // 100 pages, 3 writers who wrote 4 of the first page's 100 items: 3 + 4 pages estimated.
  CHECK(hv::ReadPerWriter(100, 3, 4, 100, 20));
  // Not past the threshold, or the threshold off.
  CHECK_FALSE(hv::ReadPerWriter(20, 3, 0, 100, 20));
  CHECK(hv::ReadPerWriter(21, 3, 0, 100, 20));
  CHECK_FALSE(hv::ReadPerWriter(100, 3, 4, 100, 0));
  // A large share: per-writer reads would cost more than half of the whole list.
  CHECK_FALSE(hv::ReadPerWriter(100, 3, 48, 100, 20));
  CHECK(hv::ReadPerWriter(100, 3, 47, 100, 20));
  // Many writers: one page each at least.
  CHECK_FALSE(hv::ReadPerWriter(100, 51, 0, 100, 20));
  CHECK(hv::ReadPerWriter(100, 50, 0, 100, 20));
  // Nobody watched there, or an empty first page: nothing to judge by.
  CHECK_FALSE(hv::ReadPerWriter(100, 0, 0, 100, 20));
  CHECK_FALSE(hv::ReadPerWriter(100, 3, 0, 0, 20));
}

TEST_CASE("a re-read page speaks for the stretch from the previous page's end to its own") {
  // The first page starts the list; a middle page ends at its last id.
  auto first = hv::PageStretch(1, false, std::nullopt, {5, 7, 9}, false);
  CHECK(first.check);
  CHECK_FALSE(first.lower.has_value());
  CHECK(first.upper == 9);
  // After a page that ended at 9: (9, 20].
  auto mid = hv::PageStretch(2, true, 9, {12, 20}, false);
  CHECK(mid.check);
  CHECK(mid.lower == 9);
  CHECK(mid.upper == 20);
  // The last page reaches the end of the list.
  auto last = hv::PageStretch(3, true, 20, {21}, true);
  CHECK(last.lower == 20);
  CHECK_FALSE(last.upper.has_value());
  // Where the previous page ended is unknown: only between the page's own items.
  auto unknown = hv::PageStretch(4, false, std::nullopt, {30, 25, 40}, false);
  CHECK(unknown.check);
  CHECK(unknown.lower == 24);
  CHECK(unknown.upper == 40);
  // An empty last page after a known end: everything after it is gone.
  auto empty_last = hv::PageStretch(2, true, 9, {}, true);
  CHECK(empty_last.check);
  CHECK(empty_last.lower == 9);
  CHECK_FALSE(empty_last.upper.has_value());
  // An empty list: everything is gone.
  auto empty = hv::PageStretch(1, false, std::nullopt, {}, true);
  CHECK(empty.check);
  CHECK_FALSE(empty.lower.has_value());
  CHECK_FALSE(empty.upper.has_value());
  // An empty page that is not the last, or one of unknown start with nothing on it: no check.
  CHECK_FALSE(hv::PageStretch(2, true, 9, {}, false).check);
  CHECK_FALSE(hv::PageStretch(3, false, std::nullopt, {}, true).check);
}

TEST_CASE("a revalidation budget reads page 1, a sweep window and the newest pages") {
  // Within the budget, or without one: the whole list.
  for (auto r : {hv::PlanRevalidation(50, 0, 0), hv::PlanRevalidation(6, 6, 0),
                 hv::PlanRevalidation(0, 6, 0)}) {
    REQUIRE(r.blocks.size() == 1);
    CHECK(r.blocks[0].first == 1);
    CHECK_FALSE(r.blocks[0].last.has_value());
    CHECK(r.next_sweep == 0);
  }
  // Budget 9 on 40 pages: newest 3 (38..end), window of 5 from the sweep start.
  auto r = hv::PlanRevalidation(40, 9, 0);
  REQUIRE(r.blocks.size() == 2);  // page 1 and the window starting at 2 are adjacent
  CHECK(r.blocks[0].first == 1);
  CHECK(r.blocks[0].last == 6);
  CHECK(r.blocks[1].first == 38);
  CHECK_FALSE(r.blocks[1].last.has_value());
  CHECK(r.next_sweep == 6);  // the next window shares page 6 with this one
  r = hv::PlanRevalidation(40, 9, 6);
  REQUIRE(r.blocks.size() == 3);
  CHECK(r.blocks[1].first == 6);
  CHECK(r.blocks[1].last == 10);
  CHECK(r.next_sweep == 10);
  // The window reaching the newest pages merges with them, and the sweep wraps.
  r = hv::PlanRevalidation(40, 9, 34);
  REQUIRE(r.blocks.size() == 2);
  CHECK(r.blocks[1].first == 34);
  CHECK_FALSE(r.blocks[1].last.has_value());
  CHECK(r.next_sweep == 2);
  // A sweep start out of range (the list shrank) starts over.
  CHECK(hv::PlanRevalidation(40, 9, 1000).blocks[0].last == 6);
  // Every page is read within the bound: simulate the cycles.
  for (int budget : {4, 5, 9, 20}) {
    for (std::int64_t pages : {5, 13, 40, 101}) {
      CAPTURE(budget);
      CAPTURE(pages);
      std::int64_t bound = hv::RevalidationBound(pages, budget);
      std::vector<int> seen(static_cast<std::size_t>(pages + 1), 0);
      std::int64_t sweep = 0;
      for (std::int64_t cycle = 0; cycle < bound; ++cycle) {
        auto plan = hv::PlanRevalidation(pages, budget, sweep);
        std::int64_t read = 0;
        for (const auto& b : plan.blocks)
          for (std::int64_t p = b.first; p <= b.last.value_or(pages); ++p, ++read)
            seen[static_cast<std::size_t>(p)]++;
        CHECK(read <= std::max(budget, 4));
        sweep = plan.next_sweep;
      }
      for (std::int64_t p = 1; p <= pages; ++p) CHECK(seen[static_cast<std::size_t>(p)] > 0);
    }
  }
  CHECK(hv::RevalidationBound(40, 9) == 9);
}

TEST_CASE("page URLs are made from GitHub's own page-2 link") {
  CHECK(hv::PageUrl("https://api.github.com/repositories/1/issues?state=all&per_page=100&page=2",
                    7) ==
        "https://api.github.com/repositories/1/issues?state=all&per_page=100&page=7");
  CHECK(hv::PageUrl("https://h/x?page=2&per_page=100", 12) == "https://h/x?page=12&per_page=100");
  // per_page=20 is not the page parameter.
  CHECK(hv::PageUrl("https://h/x?per_page=2&page=2", 3) == "https://h/x?per_page=2&page=3");
  CHECK_FALSE(hv::PageUrl("https://h/x?cursor=abc", 3).has_value());
  CHECK_FALSE(hv::PageUrl("https://h/x?page=20", 3).has_value());
}

TEST_CASE("the page after a page: its page parameter moved on, or added to page 1's URL") {
  CHECK(hv::PageAfter("/repos/o/r/issues?state=all&per_page=100", 1) ==
        "/repos/o/r/issues?state=all&per_page=100&page=2");
  CHECK(hv::PageAfter("https://h/repositories/1/issues?per_page=100&page=7", 7) ==
        "https://h/repositories/1/issues?per_page=100&page=8");
  CHECK(hv::PageAfter("https://h/x?page=3&per_page=100", 3) == "https://h/x?page=4&per_page=100");
  CHECK(hv::PageAfter("https://h/x", 1) == "https://h/x?page=2");
  CHECK(hv::PageAfter("https://h/x?per_page=100#top", 1) == "https://h/x?per_page=100&page=2#top");
}

TEST_CASE("the watermark is the newest timestamp minus the overlap") {
  hv::WatermarkRule rule;
  rule.overlap_seconds = 600;
  CHECK(hv::NextWatermark(hv::ListKind::kCommits, "2026-03-10T12:00:00Z", rule) ==
        "2026-03-10T11:50:00Z");
  CHECK(hv::NextWatermark(hv::ListKind::kIssues, "2026-03-10T00:05:00Z", rule) ==
        "2026-03-09T23:55:00Z");
  CHECK_FALSE(hv::NextWatermark(hv::ListKind::kIssues, "not a time", rule).has_value());
  // A time no TimePoint holds (nanoseconds overflow past 2262) sets no watermark.
  CHECK_FALSE(hv::NextWatermark(hv::ListKind::kIssues, "9999-12-31T23:59:59Z", rule).has_value());
  CHECK_FALSE(hv::NextWatermark(hv::ListKind::kCommits, "0001-01-01T00:00:00Z", rule).has_value());
}

TEST_CASE("lists with reaction rollups keep a refresh window anchored to a UTC day") {
  hv::WatermarkRule rule;
  rule.overlap_seconds = 600;
  rule.refresh_reactions_days = 30;
  // Two different newest times on the same day give the same `since` (a stable URL).
  auto a = hv::NextWatermark(hv::ListKind::kIssueComments, "2026-03-10T12:00:00Z", rule);
  auto b = hv::NextWatermark(hv::ListKind::kIssueComments, "2026-03-10T23:59:59Z", rule);
  CHECK(a == "2026-02-08T00:00:00Z");
  CHECK(a == b);
  // Commits carry no reactions: overlap only.
  CHECK(hv::NextWatermark(hv::ListKind::kCommits, "2026-03-10T12:00:00Z", rule) ==
        "2026-03-10T11:50:00Z");
}

TEST_CASE("timestamps shift and compare as text") {
  CHECK(hv::ShiftIso("2026-01-01T00:00:00Z", -1) == "2025-12-31T23:59:59Z");
  CHECK_FALSE(hv::ShiftIso("garbage", 5).has_value());
  CHECK(hv::ShiftIso("2261-12-31T23:59:59Z", 1) == "2262-01-01T00:00:00Z");
  CHECK_FALSE(hv::ShiftIso("2262-01-01T00:00:00Z", 0).has_value());
  CHECK_FALSE(hv::ShiftIso("9999-12-31T23:59:59Z", -600).has_value());
  CHECK_FALSE(hv::ShiftIso("1677-12-31T23:59:59Z", 0).has_value());
  CHECK_FALSE(hv::ShiftIso("1969-12-31T23:59:59Z", 0).has_value());
  CHECK(hv::ShiftIso("1970-01-01T00:00:00Z", -1) == "1969-12-31T23:59:59Z");
  CHECK(hv::LaterOf(std::nullopt, std::string("A")) == "A");
  CHECK(hv::LaterOf(std::string("2026-01-02T00:00:00Z"), std::string("2026-01-01T00:00:00Z")) ==
        "2026-01-02T00:00:00Z");
  CHECK_FALSE(hv::LaterOf(std::nullopt, std::nullopt).has_value());
}

// The harvester reads the pulls list with the issues-list parser (it needs only number and
// updated_at): GitHub's own example of that list must parse.
TEST_CASE("GitHub's pulls list example parses with the issues-list parser") {
  std::string body =
      ghharvest::testing::ReadFixture("openapi/example-pull-request-simple-items.json");
  auto items = ghharvest::github::ParseIssueList(body);
  REQUIRE_MESSAGE(items.ok(), items.status().ToString());
  REQUIRE_FALSE(items->empty());
  for (const auto& pr : *items) {
    CHECK(pr.number > 0);
    CHECK_FALSE(pr.updated_at.empty());
  }
}

TEST_CASE("a commits probe is named in the watermark's cursor and covers what its page reaches") {
  using ghharvest::harvest::ProbeCovers;
  using ghharvest::harvest::ProbeCursor;
  using ghharvest::harvest::ProbeOf;
  CHECK(ProbeCursor(std::nullopt) == "probe");
  CHECK(ProbeCursor(std::string("2024-05-01T10:00:00Z")) == "probe since=2024-05-01T10:00:00Z");
  auto whole = ProbeOf(std::string("probe"));
  REQUIRE(whole.has_value());
  CHECK_FALSE(whole->has_value());
  auto since = ProbeOf(std::string("probe since=2024-05-01T10:00:00Z"));
  REQUIRE(since.has_value());
  CHECK(*since == std::optional<std::string>("2024-05-01T10:00:00Z"));
  // Other cursors name no probe: none, a kept plan, an empty `since`.
  CHECK_FALSE(ProbeOf(std::nullopt).has_value());
  CHECK_FALSE(ProbeOf(std::string("per-writer: 9 pages")).has_value());
  CHECK_FALSE(ProbeOf(std::string("probe since=")).has_value());
  CHECK_FALSE(ProbeOf(std::string("probes")).has_value());

  const std::optional<std::string> wm = "2024-05-01T10:00:00Z";
  const std::optional<std::string> past = "2024-05-01T09:59:59Z";
  CHECK(ProbeCovers(true, std::nullopt, true, wm));  // the list's last page
  CHECK(ProbeCovers(false, past, true, wm));         // reaches back past it
  CHECK_FALSE(ProbeCovers(false, std::string("2024-05-01T10:00:00Z"), true, wm));  // not past
  CHECK_FALSE(ProbeCovers(false, std::string("2024-05-02T00:00:00Z"), true, wm));
  CHECK_FALSE(ProbeCovers(false, std::nullopt, true, wm));
  CHECK_FALSE(ProbeCovers(false, std::string("2024-05-01T09:00:00Z"), true, std::nullopt));
  // Dates out of order on the page: a newer commit may follow on the next page.
  CHECK_FALSE(ProbeCovers(false, past, false, wm));
  CHECK(ProbeCovers(true, past, false, wm));
}

TEST_CASE("a comparison's path and its base in the cursor") {
  const std::string sha(40, 'a');
  CHECK(hv::ComparePath("o/r", sha, "main") ==
        "/repos/o/r/compare/" + sha + "...main?per_page=100");
  // A branch name keeps '/', other characters outside the safe set are percent-encoded.
  CHECK(hv::ComparePath("o/r", sha, "release/1.0 #2") ==
        "/repos/o/r/compare/" + sha + "...release/1.0%20%232?per_page=100");

  CHECK(hv::BranchCommitsPath("o/r", "release/1.0 #2") ==
        "/repos/o/r/commits?sha=release/1.0%20%232&per_page=100");

  auto plain = hv::CompareBaseOf(sha);
  REQUIRE(plain);
  CHECK(plain->sha == sha);
  CHECK_FALSE(plain->due);
  CHECK_FALSE(plain->reading);
  for (const auto& b :
       {hv::CompareBase{sha, false, false, {}}, hv::CompareBase{sha, true, false, {}},
        hv::CompareBase{sha, true, true, {}}}) {
    auto back = hv::CompareBaseOf(hv::CompareCursor(b));
    REQUIRE(back);
    CHECK(back->sha == b.sha);
    CHECK(back->due == b.due);
    CHECK(back->reading == b.reading);
  }
  // Reading with the head its first page named: finished to that head after a cut.
  const std::string head(40, 'c');
  const std::string pinned = hv::CompareCursor({sha, true, true, head});
  CHECK(pinned == sha + " reading " + head);
  auto back = hv::CompareBaseOf(pinned);
  REQUIRE(back);
  CHECK(back->sha == sha);
  CHECK(back->reading);
  CHECK(back->due);
  CHECK(back->head == head);
  CHECK(hv::CompareBaseOf(sha + " reading")->head.empty());
  // A head only while reading, and only a sha.
  CHECK(hv::CompareCursor({sha, true, false, head}) == sha + " due");
  CHECK(hv::CompareCursor({sha, true, true, "main"}) == sha + " reading");
  CHECK_FALSE(hv::CompareBaseOf(sha + " due " + head));
  CHECK_FALSE(hv::CompareBaseOf(sha + " " + head));
  CHECK(hv::PinnedComparePath("o/r", sha, head, 1) ==
        "/repos/o/r/compare/" + sha + "..." + head + "?per_page=100");
  CHECK(hv::PinnedComparePath("o/r", sha, head, 3) ==
        "/repos/o/r/compare/" + sha + "..." + head + "?per_page=100&page=3");
  CHECK(hv::CompareCursor({sha, true, false, {}}) == sha + " due");
  CHECK(hv::CompareCursor({sha, false, true, {}}) == sha + " reading");  // reading is due too
  CHECK(hv::CompareBaseOf(hv::CompareCursor({sha, false, true, {}}))->due);
  CHECK(hv::CompareBaseOf(std::string(64, 'b')));  // a SHA-256 repository's
  // Not a base: nothing, a probe's cursor, a short or upper-case sha, a flag alone.
  CHECK_FALSE(hv::CompareBaseOf(std::nullopt));
  CHECK_FALSE(hv::CompareBaseOf(std::string("probe")));
  CHECK_FALSE(hv::CompareBaseOf(std::string(39, 'a')));
  CHECK_FALSE(hv::CompareBaseOf(std::string(40, 'A')));
  CHECK_FALSE(hv::CompareBaseOf(std::string(" due")));
  CHECK_FALSE(hv::CompareBaseOf(sha + " due reading"));

  // A repository whose commits answered 409: "empty", due once its GET answered 200.
  CHECK(hv::CompareCursor(hv::CompareBase{}) == "empty");
  CHECK(hv::CompareCursor({"", true, false, {}}) == "empty due");
  CHECK(hv::CompareCursor({"", false, true, {}}) == "empty due");  // nothing is read page by page
  auto empty = hv::CompareBaseOf(std::string("empty"));
  REQUIRE(empty);
  CHECK(empty->empty_repository());
  CHECK_FALSE(empty->due);
  auto due = hv::CompareBaseOf(std::string("empty due"));
  REQUIRE(due);
  CHECK(due->empty_repository());
  CHECK(due->due);
  CHECK_FALSE(plain->empty_repository());
  CHECK_FALSE(hv::CompareBaseOf(std::string("empty reading")));
  CHECK_FALSE(hv::CompareBaseOf(std::string("")));
  CHECK_FALSE(hv::CompareBaseOf(std::string("Empty")));
}

TEST_CASE("a commit date past GitHub's clock is held to the response's Date") {
  const std::optional<std::string> now = std::string("2026-12-01T10:00:00Z");
  CHECK(hv::HeldToServerTime(std::string("2036-01-01T00:00:00Z"), now) == now);
  CHECK(hv::HeldToServerTime(std::string("2026-11-30T00:00:00Z"), now) ==
        std::optional<std::string>("2026-11-30T00:00:00Z"));
  CHECK(hv::HeldToServerTime(std::string("2036-01-01T00:00:00Z"), std::nullopt) ==
        std::optional<std::string>("2036-01-01T00:00:00Z"));  // no Date: nothing to hold to
  CHECK_FALSE(hv::HeldToServerTime(std::nullopt, now));
}
