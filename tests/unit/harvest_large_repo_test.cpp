// The planner for large repositories: a repository whose commits or issues list is long and
// whose watched writers wrote a small share of it has those lists read per writer
// (commits?author=, issues?creator=). The counts stay exact through activity, deletions and
// reactions on old items; the plan is kept and shown by `ghharvest status`; it costs fewer
// requests than the whole lists.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include "check_ok.hpp"
#include "db_rows.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/store/list_pages.hpp"
#include "ghharvest/util/log.hpp"
#include "ghharvest/util/names.hpp"
#include "harvest_harness.hpp"
#include "run_ghharvest.hpp"
#include "world/world.hpp"

namespace gh = ghharvest;
using gh::testing::HarvestHarness;
using gh::testing::HarvestHarnessOptions;
using gh::testing::HarvestRun;

namespace {

const bool kQuiet = (gh::log::SetLevel(gh::log::Level::kError), true);
const std::string kLarge = "octo-org/monorepo";

// 3 writers in 10 projects, and one repository of 4,000 items (about 8 pages of commits and
// 8 of issues) where two watched writers wrote 2 %.
HarvestHarnessOptions LargeWorld() {
  HarvestHarnessOptions o;
  o.spec.seed = 11;
  o.spec.writers = 3;
  o.spec.projects = 10;
  o.spec.items = 3000;
  o.spec.large_repo_items = 4000;
  o.spec.large_repo_writers = 2;
  o.spec.large_repo_writer_share = 0.02;
  return o;
}

void CheckExact(HarvestHarness& h, const HarvestRun& r, const char* when) {
  INFO(when);
  CHECK_OK(r.status);
  auto stored = h.Stored();
  REQUIRE_OK(stored);
  auto truth = h.Truth();
  CHECK_MESSAGE(*stored == truth, gh::testing::DiffCounts(*stored, truth));
  auto dup = gh::testing::DuplicateRows(h.db());
  REQUIRE_OK(dup);
  CHECK(*dup == 0);
}

std::optional<std::string> PlanOf(HarvestHarness& h, const std::string& list,
                                  const std::string& repo = kLarge) {
  gh::store::Ingest ingest(h.db());
  auto row = ingest.GetWatermark("plan_" + list, repo);
  REQUIRE_OK(row);
  if (!*row) return std::nullopt;
  return (*row)->cursor;
}

// Has the large repository's lists read per writer (above 3 pages); returns a watched writer
// active there.
std::string ReadPerWriter(HarvestHarness& h) {
  h.config().harvest.per_writer_above_pages = 3;
  const auto own = h.world().OwnItems(kLarge);
  REQUIRE_FALSE(own.empty());
  return own.begin()->first;
}

// A watched writer of the large repository pushes 150 commits dated halfway through its
// history: its own list there then takes more than a page, so its `since` watermark moves
// past the repository's first days after the first read, and a commit dated then lands past
// the first page of the writer's list (where no probe of that page sees it). Returns the
// writer and a time in those first days, for commits pushed late.
struct LatePusher {
  std::string login;
  gh::testing::WorldTime long_ago = 0;
};
LatePusher WriterWithManyCommits(HarvestHarness& h) {
  LatePusher out;
  const auto own = h.world().OwnItems(kLarge);
  REQUIRE_FALSE(own.empty());
  out.login = own.begin()->first;
  gh::testing::WorldTime midway = 0;
  h.world().Read([&](const gh::testing::WorldModel& m) {
    const auto& commits = m.Repo(kLarge)->commits;
    out.long_ago = commits.front().date + 60;
    midway = (commits.front().date + commits.back().date) / 2;
  });
  REQUIRE(h.world().PushCommits(kLarge, out.login, 150, midway));
  // Then others push on top (GitHub lists a branch from its head back, whatever the dates):
  // the list's first page is theirs, so the writers' share of it stays small.
  const std::string other = h.UnwatchedLogin();
  REQUIRE(h.world().PushCommits(kLarge, other, 100));
  return out;
}

}  // namespace

TEST_CASE("a large repository's commits and issues are read per writer, exactly, for less") {
  HarvestHarness per_writer(LargeWorld()), whole(LargeWorld());
  per_writer.config().harvest.per_writer_above_pages = 3;
  whole.config().harvest.per_writer_above_pages = 0;

  auto first = per_writer.Sync();
  CheckExact(per_writer, first, "first sync, per-writer plan");
  CHECK(first.stats.lists_per_writer == 2);
  auto issues_plan = PlanOf(per_writer, "issues"), commits_plan = PlanOf(per_writer, "commits");
  REQUIRE(issues_plan);
  REQUIRE(commits_plan);
  CHECK(issues_plan->rfind("per-writer: ", 0) == 0);
  CHECK(commits_plan->rfind("per-writer: ", 0) == 0);
  // Only the large repository qualifies: the others' lists are short.
  gh::store::Ingest ingest(per_writer.db());
  auto small = ingest.GetWatermark("plan_issues",
                                   per_writer.world().WriterProjects().begin()->second.front());
  REQUIRE_OK(small);
  CHECK_FALSE(*small);

  auto first_whole = whole.Sync();
  CheckExact(whole, first_whole, "first sync, whole lists");
  CHECK(first_whole.stats.lists_per_writer == 0);
  CHECK_FALSE(PlanOf(whole, "issues"));
  MESSAGE("first sync: " << first.server.requests << " requests per writer, "
                         << first_whole.server.requests << " with whole lists");
  // About 8 + 8 pages of the large repository's commits and issues become 2 + 2 pages.
  CHECK(first.server.requests + 8 <= first_whole.server.requests);

  // A week of activity, reactions on old items and deletions: exact with the plan kept.
  auto week = gh::testing::WeekOfActivity(per_writer.world().ItemCount());
  week.deleted_issues = 8;
  week.old_reactions = 300;
  per_writer.world().Advance(week);
  auto second = per_writer.Sync();
  CheckExact(per_writer, second, "after a week of activity");
  CHECK(second.stats.lists_per_writer == 0);  // already planned: not switched again
  CHECK(PlanOf(per_writer, "issues") == issues_plan);

  // Unchanged: every request a 304, no point spent.
  auto idle = per_writer.Sync();
  CheckExact(per_writer, idle, "idle");
  CHECK(idle.server.requests > 0);
  CHECK(idle.server.not_modified == idle.server.requests);
  CHECK(idle.server.primary_points() == 0);
}

TEST_CASE("commits pushed late with old dates in a large repository read per writer are counted") {
  HarvestHarness h(LargeWorld());
  h.config().harvest.per_writer_above_pages = 3;
  const LatePusher pusher = WriterWithManyCommits(h);
  const std::string& login = pusher.login;
  const gh::testing::WorldTime long_ago = pusher.long_ago;
  auto first = h.Sync();
  CheckExact(h, first, "first sync");
  REQUIRE(PlanOf(h, "commits"));
  CHECK(PlanOf(h, "commits")->rfind("per-writer: ", 0) == 0);
  auto compare = [](const HarvestRun& r, bool ok_only = false) {
    auto m = ok_only ? r.server.per_route_ok : r.server.per_route;
    return m["/repos/{o}/{r}/compare/{basehead}"];
  };
  CHECK(compare(first) == 0);
  // The base is the whole list's first commit, read anyway: no head read.
  CHECK(first.stats.per_endpoint["compare"].pages == 0);

  // Unchanged: no comparison (the repository answers 304), no point.
  auto idle = h.SyncRepository(kLarge);
  CheckExact(h, idle, "idle");
  CHECK(compare(idle) == 0);
  CHECK(idle.server.primary_points() == 0);

  // A branch merged late: commits dated in the repository's first days, older than the
  // writer's watermark, so `commits?author=&since=` never lists them. The comparison does.
  REQUIRE(h.world().PushCommits(kLarge, login, 5, long_ago));
  auto late = h.SyncRepository(kLarge);
  CheckExact(h, late, "after 5 commits pushed late");
  // From the whole list's newest-dated commit: here that is not the last pushed (the 150
  // above were pushed later with older dates), so the comparison may take a second page; its
  // base then moves to the head.
  CHECK(compare(late, true) >= 1);

  // Others push a lot (a busy repository): the comparison pages through it once, then its
  // base moves to the head, and the writers' late commits are still seen.
  const std::string other = h.UnwatchedLogin();
  REQUIRE(h.world().PushCommits(kLarge, other, 230));
  REQUIRE(h.world().PushCommits(kLarge, login, 3, long_ago));
  auto busy = h.SyncRepository(kLarge);
  CheckExact(h, busy, "after 230 commits by others and 3 late ones");
  CHECK(compare(busy, true) == 3);
  REQUIRE(h.world().PushCommits(kLarge, login, 2, long_ago));
  auto after = h.SyncRepository(kLarge);
  CheckExact(h, after, "after 2 more late ones");
  CHECK(compare(after, true) == 1);
  idle = h.SyncRepository(kLarge);
  CheckExact(h, idle, "idle again");
  CHECK(idle.server.primary_points() == 0);

  // History rewritten (a force-push): GitHub no longer knows the base. The branch is read
  // whole in the same cycle, unconditionally (what it no longer lists is buried), and its
  // head becomes the new base; what is pushed late after that is read by comparison again.
  gh::store::Ingest ingest(h.db());
  auto base = [&]() -> std::string {
    auto row = ingest.GetWatermark("commits_base", kLarge);
    REQUIRE_OK(row);
    if (!*row || !(*row)->cursor) return "";
    return (*row)->cursor->substr(0, 40);
  };
  // As after a force-push: a base GitHub does not know (404), due as after a push.
  const std::string lost(40, 'e');
  REQUIRE_OK(ingest.SetWatermark("commits_base", kLarge, std::nullopt, lost + " due"));
  auto rewritten = h.SyncRepository(kLarge);
  CheckExact(h, rewritten, "after a force-push lost the base");
  CHECK(rewritten.server.per_route["/repos/{o}/{r}/compare/{basehead}"] == 1);  // the 404
  const std::int64_t branch_pages = h.world().Read([&](const gh::testing::WorldModel& m) {
    return static_cast<std::int64_t>((m.Repo(kLarge)->commits.size() + 99) / 100);
  });
  CHECK(rewritten.server.per_route_ok["/repos/{o}/{r}/commits"] >= branch_pages);
  const std::string head = base();
  CHECK(head.size() == 40);
  CHECK(head != lost);
  REQUIRE(h.world().PushCommits(kLarge, login, 2, long_ago));
  after = h.SyncRepository(kLarge);
  CheckExact(h, after, "after 2 late ones on the rewritten history");
  CHECK(compare(after, true) == 1);

  // A database from before comparisons were read per writer has no base: the head is read
  // once for one.
  REQUIRE_OK(ingest.SetWatermark("commits_base", kLarge, std::nullopt, std::nullopt));
  auto headless = h.SyncRepository(kLarge);
  CheckExact(h, headless, "without a base");
  CHECK(compare(headless) == 0);
  CHECK(headless.stats.per_endpoint["compare"].pages == 1);
  CHECK(base().size() == 40);
  REQUIRE(h.world().PushCommits(kLarge, login, 2, long_ago));
  after = h.SyncRepository(kLarge);
  CheckExact(h, after, "after 2 late ones from the head read");
  CHECK(compare(after, true) == 1);

  // The planner turned off: the whole list is read once again (others' commits from before
  // the base were never read), and that read names the base.
  h.config().harvest.per_writer_above_pages = 0;
  auto whole = h.SyncRepository(kLarge);
  CheckExact(h, whole, "read whole again");
  CHECK(compare(whole) == 0);
  CHECK(whole.server.per_route["/repos/{o}/{r}/commits"] >= 10);
  CHECK(base().size() == 40);
}

TEST_CASE("a deleted issue of a writer in a large repository is tombstoned by its writer's list") {
  HarvestHarness h(LargeWorld());
  h.config().harvest.per_writer_above_pages = 3;
  REQUIRE_OK(h.Sync().status);
  REQUIRE(PlanOf(h, "issues"));
  // Delete one of the writers' own plain issues in the large repository.
  std::int64_t deleted_id = 0;
  h.world().Write([&](gh::testing::WorldModel& m) {
    for (auto& repo : m.repos) {
      if (repo.full_name() != kLarge) continue;
      for (auto& issue : repo.issues) {
        const auto* u = m.User(issue.user);
        if (u && u->writer && !issue.is_pull && !issue.deleted) {
          // As GitHub deletes an issue: with its comments.
          issue.deleted = true;
          issue.comments = 0;
          for (auto& c : repo.issue_comments) c.deleted = c.deleted || c.number == issue.number;
          deleted_id = issue.id;
          return;
        }
      }
    }
  });
  REQUIRE(deleted_id != 0);
  auto r = h.Sync();
  CheckExact(h, r, "after deleting a writer's issue");
  CHECK(r.stats.items_deleted >= 1);
  gh::store::ListPages pages(h.db());
  auto tombstones = pages.CountTombstones();
  REQUIRE_OK(tombstones);
  CHECK(*tombstones >= 1);
}

namespace {

// How many of `rows` are `login`'s.
std::int64_t RowsOf(const std::vector<gh::testing::CountsRow>& rows, const std::string& login) {
  return std::count_if(rows.begin(), rows.end(), [&](const gh::testing::CountsRow& row) {
    return gh::AsciiLower(row.writer) == gh::AsciiLower(login);
  });
}

std::optional<std::string> GoneAt(HarvestHarness& h, const std::string& login) {
  gh::store::Ingest ingest(h.db());
  auto at = ingest.WriterGoneAt(login);
  REQUIRE_OK(at);
  return *at;
}

std::int64_t UserLookups(const HarvestRun& r) {
  auto asked = r.server.per_route, unchanged = r.server.per_route_304;
  return asked["/users/{login}"] - unchanged["/users/{login}"];
}

// Clocks at real speed from one start, so the time between two syncs is what a test says it
// is (the harness's own clock runs 1000 times fast).
struct Timeline {
  std::chrono::system_clock::time_point start = std::chrono::system_clock::now();
  gh::ScaledClock At(std::chrono::minutes offset) const {
    return gh::ScaledClock(1.0, start + offset);
  }
};
using std::chrono::hours;
using std::chrono::minutes;

}  // namespace

TEST_CASE("a watched writer whose account is deleted leaves the counts, whole and per writer") {
  HarvestHarness h(LargeWorld());
  h.config().harvest.per_writer_above_pages = 3;
  const Timeline time;
  REQUIRE_OK(h.Sync(time.At(minutes(0))).status);
  REQUIRE(PlanOf(h, "issues"));
  // The first writer is active in the large repository (read per writer) and in small ones
  // (read whole); its commits are behind the since watermarks in both.
  const std::string gone = h.world().WriterConfigLogins().front();
  auto before = h.Stored();
  REQUIRE_OK(before);
  REQUIRE(RowsOf(*before, gone) >= 2);
  gh::testing::AdvanceSpec step;
  step.delete_account = gone;
  h.world().Advance(step);
  const auto truth = h.Truth();
  CHECK(RowsOf(truth, gone) == 0);

  // One 404 is not enough to forget a writer, nor a second one minutes later.
  auto once = h.Sync(time.At(minutes(1)));
  auto soon = h.Sync(time.At(minutes(2)));
  CHECK(UserLookups(soon) == 1);
  CHECK_FALSE(GoneAt(h, gone));
  auto stored = h.Stored();
  REQUIRE_OK(stored);
  CHECK(RowsOf(*stored, gone) >= 1);  // its commits, at least
  const std::string cfg = h.WriteConfigFile("GHH_LARGE_REPO_TOKEN");
  auto pending = gh::testing::RunGhharvest("status --json -c '" + cfg + "'");
  REQUIRE(pending.code == 0);
  CHECK(pending.out.find(R"("account":{"status":"answered 404","since":"20)") != std::string::npos);

  // A 404 an hour after the first is.
  auto twice = h.Sync(time.At(hours(2)));
  CHECK(UserLookups(twice) == 1);
  CHECK(GoneAt(h, gone));
  stored = h.Stored();
  REQUIRE_OK(stored);
  CHECK_MESSAGE(*stored == truth, gh::testing::DiffCounts(*stored, truth));
  // Nothing was deleted on GitHub: every item stays stored, no tombstone.
  CHECK(once.stats.items_deleted + soon.stats.items_deleted + twice.stats.items_deleted == 0);

  // `ghharvest status` says so, and when the login is looked at next.
  auto text = gh::testing::RunGhharvest("status -c '" + cfg + "'");
  REQUIRE(text.code == 0);
  CHECK_MESSAGE(text.out.find(gone + " (GitHub id ") != std::string::npos, text.out);
  CHECK(text.out.find("; account gone since " + *GoneAt(h, gone) +
                      " (404), its GitHub activity not counted, next look 20") !=
        std::string::npos);
  auto json = gh::testing::RunGhharvest("status --json -c '" + cfg + "'");
  REQUIRE(json.code == 0);
  CHECK(json.out.find(R"("account":{"status":"gone","since":")" + *GoneAt(h, gone) +
                      R"(","next_look":"20)") != std::string::npos);
  CHECK(json.out.find(R"("account":null)") != std::string::npos);  // the other writers

  // Within the day nothing is asked about it, in a full cycle or in the daemon's job of the
  // large repository (which reads its writers' lists without looking them up).
  auto idle = h.Sync(time.At(hours(3)));
  CHECK(UserLookups(idle) == 0);
  CHECK(idle.server.primary_points() == 0);
  auto job = h.SyncRepository(kLarge, time.At(hours(3)));
  CHECK_OK(job.status);
  CHECK(job.server.requests > 0);
  CHECK(job.server.primary_points() == 0);
  stored = h.Stored();
  REQUIRE_OK(stored);
  CHECK_MESSAGE(*stored == truth, gh::testing::DiffCounts(*stored, truth));

  // Past the day it is looked at once more: a point, as a 404 carries no validators.
  auto next_day = h.Sync(time.At(hours(27)));
  CHECK(UserLookups(next_day) == 1);
  stored = h.Stored();
  REQUIRE_OK(stored);
  CHECK_MESSAGE(*stored == truth, gh::testing::DiffCounts(*stored, truth));

  // Dropped from the config and added back (its writers row is new, the login never
  // resolves now): the first 404's time outlives the row, so the next 404 marks it again.
  auto all = h.config().writers;
  h.config().writers.erase(h.config().writers.begin());
  REQUIRE_OK(h.Sync(time.At(hours(28))).status);
  h.config().writers = all;
  h.Sync(time.At(hours(29)));
  CHECK(GoneAt(h, gone));
  stored = h.Stored();
  REQUIRE_OK(stored);
  CHECK_MESSAGE(*stored == truth, gh::testing::DiffCounts(*stored, truth));
}

TEST_CASE("a login taken by a new account after the old one was deleted counts the new one only") {
  HarvestHarness h(LargeWorld());
  h.config().harvest.per_writer_above_pages = 3;
  const Timeline time;
  REQUIRE_OK(h.Sync(time.At(minutes(0))).status);
  const std::string login = h.world().WriterConfigLogins().front();
  std::string watched;  // a small project the writer is active in
  auto projects = h.world().WriterProjects();
  for (const auto& p : projects[login])
    if (p != kLarge) watched = p;
  gh::testing::AdvanceSpec step;
  step.delete_account = login;
  const std::string spelled = *h.world().Advance(step).account_deleted;
  h.Sync(time.At(minutes(1)));
  h.Sync(time.At(hours(2)));
  REQUIRE(GoneAt(h, login));

  // GitHub frees a deleted account's login: someone else signs up with it (a new id) and
  // pushes. The old account's commits stay in the store under its id (commits are never read
  // again), with the login the store last saw for it.
  std::int64_t new_id = 0;
  h.world().Write([&](gh::testing::WorldModel& m) {
    gh::testing::WorldUser u;
    u.id = new_id = ++m.next_id;
    u.login = spelled;
    u.config_login = login;
    u.writer = true;
    m.users.push_back(u);
    m.user_index[u.id] = m.users.size() - 1;
  });
  REQUIRE_FALSE(watched.empty());
  REQUIRE(h.world().PushCommits(watched, spelled, 3));
  auto back = h.Sync(time.At(hours(30)));  // past the day: looked at again, 200, new id
  CHECK_OK(back.status);
  CHECK_FALSE(GoneAt(h, login));
  auto stored = h.Stored();
  REQUIRE_OK(stored);
  const auto truth = h.Truth();
  CHECK(RowsOf(truth, login) == 1);  // the new account's 3 commits
  CHECK_MESSAGE(*stored == truth, gh::testing::DiffCounts(*stored, truth));
  CHECK(gh::testing::RowsAsText(
            h.db(), "SELECT user_id FROM writers WHERE login = '" + login + "' COLLATE NOCASE") ==
        std::vector<std::string>{std::to_string(new_id)});
}

TEST_CASE("an account that answered 404 and answers again is counted again") {
  HarvestHarness h(LargeWorld());
  h.config().harvest.per_writer_above_pages = 3;
  const Timeline time;
  REQUIRE_OK(h.Sync(time.At(minutes(0))).status);
  const std::string login = h.world().WriterConfigLogins().front();
  auto before = h.Stored();
  REQUIRE_OK(before);
  // The account disappears now and then (a suspension lifted later, say): GitHub answers
  // 404 for it and shows its items without it.
  std::optional<gh::testing::WorldUser> hidden;
  auto rebuild = [](gh::testing::WorldModel& m) {
    m.user_index.clear();
    for (std::size_t k = 0; k < m.users.size(); ++k) m.user_index[m.users[k].id] = k;
  };
  auto hide = [&] {
    h.world().Write([&](gh::testing::WorldModel& m) {
      auto it = std::find_if(m.users.begin(), m.users.end(), [&](const auto& u) {
        return gh::AsciiLower(u.login) == gh::AsciiLower(login);
      });
      REQUIRE(it != m.users.end());
      hidden = *it;
      m.users.erase(it);
      rebuild(m);
    });
  };
  auto restore = [&] {
    h.world().Write([&](gh::testing::WorldModel& m) {
      m.users.push_back(*hidden);
      rebuild(m);
    });
  };
  // 404, an answer, 404: the answer between them starts the count again.
  hide();
  h.Sync(time.At(minutes(1)));
  restore();
  REQUIRE_OK(h.Sync(time.At(hours(2))).status);
  hide();
  h.Sync(time.At(hours(4)));
  CHECK_FALSE(GoneAt(h, login));
  // Two 404s an hour apart: gone.
  h.Sync(time.At(hours(6)));
  REQUIRE(GoneAt(h, login));
  auto stored = h.Stored();
  REQUIRE_OK(stored);
  CHECK(RowsOf(*stored, login) == 0);
  CHECK(*stored == h.Truth());

  restore();
  // Its next look finds it (a 304: nothing about the account changed) and it counts again,
  // in the large repository's per-writer lists too.
  auto back = h.Sync(time.At(hours(31)));
  CHECK(UserLookups(back) == 0);
  CHECK_FALSE(GoneAt(h, login));
  stored = h.Stored();
  REQUIRE_OK(stored);
  CHECK_MESSAGE(*stored == *before, gh::testing::DiffCounts(*stored, *before));
  CHECK(*stored == h.Truth());
}

TEST_CASE("a large repository kept per writer is not read once every watched writer is gone") {
  HarvestHarnessOptions o = LargeWorld();
  o.spec.writers = 1;
  o.spec.large_repo_writers = 1;
  HarvestHarness h(o);
  h.config().harvest.per_writer_above_pages = 3;
  const Timeline time;
  REQUIRE_OK(h.Sync(time.At(minutes(0))).status);
  REQUIRE(PlanOf(h, "issues"));
  const std::string gone = h.world().WriterConfigLogins().front();
  gh::testing::AdvanceSpec step;
  step.delete_account = gone;
  h.world().Advance(step);
  h.Sync(time.At(minutes(1)));
  h.Sync(time.At(hours(2)));
  REQUIRE(GoneAt(h, gone));
  // The next job of the large repository asks nothing of its issues or commits lists.
  auto job = h.SyncRepository(kLarge, time.At(hours(3)));
  CHECK_OK(job.status);
  CHECK(job.server.per_route["/repos/{o}/{r}/issues"] == 0);
  CHECK(job.server.per_route["/repos/{o}/{r}/commits"] == 0);
  auto stored = h.Stored();
  REQUIRE_OK(stored);
  CHECK(*stored == h.Truth());
}

TEST_CASE("below the threshold whole lists are read, and lowered later the store decides") {
  HarvestHarness h(LargeWorld());
  h.config().harvest.per_writer_above_pages = 1000;
  auto r = h.Sync();
  CheckExact(h, r, "threshold above every list");
  CHECK(r.stats.lists_per_writer == 0);
  CHECK_FALSE(PlanOf(h, "issues"));
  CHECK_FALSE(PlanOf(h, "commits"));
  // The threshold lowered: the issues list read whole before is judged by what the store
  // holds of it (its first page answers 304, which says nothing of its length). Commits,
  // read by watermark since, stay whole: their incremental read is one page anyway.
  h.config().harvest.per_writer_above_pages = 3;
  auto again = h.Sync();
  CheckExact(h, again, "threshold lowered");
  CHECK(again.stats.lists_per_writer == 1);
  auto plan = PlanOf(h, "issues");
  REQUIRE(plan);
  CHECK(plan->find("items stored by its 3 watched writers") != std::string::npos);
  CHECK_FALSE(PlanOf(h, "commits"));
  auto idle = h.Sync();
  CheckExact(h, idle, "idle after the switch");
  CHECK(idle.server.primary_points() == 0);
}

TEST_CASE("a writer active in a large repository without watching it is still counted exactly") {
  HarvestHarness h(LargeWorld());
  h.config().harvest.per_writer_above_pages = 3;
  // One of the two writers there stops listing the repository; the other's watch keeps it
  // harvested, and the counts view counts every watched writer in every stored repository.
  int dropped = 0;
  for (auto& w : h.config().writers) {
    auto it = std::find(w.repos.begin(), w.repos.end(), kLarge);
    if (it == w.repos.end() || w.repos.size() < 2) continue;
    w.repos.erase(it);
    ++dropped;
    break;
  }
  REQUIRE(dropped == 1);
  auto r = h.Sync();
  CheckExact(h, r, "first sync");
  CHECK(r.stats.lists_per_writer == 2);
  auto week = gh::testing::WeekOfActivity(h.world().ItemCount());
  week.old_reactions = 200;
  h.world().Advance(week);
  CheckExact(h, h.Sync(), "after a week of activity");
}

TEST_CASE("per_writer_above_pages = 0 turns a kept plan off: the lists are read whole again") {
  HarvestHarness h(LargeWorld());
  h.config().harvest.per_writer_above_pages = 3;
  CheckExact(h, h.Sync(), "per writer");
  REQUIRE(PlanOf(h, "issues"));
  REQUIRE(PlanOf(h, "issues")->rfind("per-writer: ", 0) == 0);
  h.config().harvest.per_writer_above_pages = 0;
  auto week = gh::testing::WeekOfActivity(h.world().ItemCount());
  week.deleted_issues = 4;
  h.world().Advance(week);
  auto whole = h.Sync();
  CheckExact(h, whole, "read whole again");
  CHECK(whole.stats.lists_per_writer == 0);
  for (const char* list : {"issues", "commits"}) {
    INFO(list);
    auto plan = PlanOf(h, list);
    REQUIRE(plan);
    CHECK(plan->rfind("whole: harvest.per_writer_above_pages is 0 (was per-writer: ", 0) == 0);
  }
  // Whole from now on: an idle cycle revalidates the whole lists' pages, all 304.
  auto idle = h.Sync();
  CheckExact(h, idle, "idle");
  CHECK(idle.server.not_modified == idle.server.requests);
  // Raised again, the first page of the whole list (now with a body only when it changed)
  // or the store decides anew.
  h.config().harvest.per_writer_above_pages = 3;
  auto again = h.Sync();
  CheckExact(h, again, "threshold raised again");
  CHECK(again.stats.lists_per_writer == 1);
  CHECK(PlanOf(h, "issues")->rfind("per-writer: ", 0) == 0);
}

TEST_CASE("under 30 % injected faults a large repository read per writer ends exact") {
  auto o = LargeWorld();
  o.fault_rate = 0.3;  // 5xx, secondary limits, truncated and garbled bodies, GraphQL too
  HarvestHarness h(o);
  h.config().harvest.per_writer_above_pages = 3;
  const LatePusher pusher = WriterWithManyCommits(h);
  const std::string& login = pusher.login;
  const gh::testing::WorldTime long_ago = pusher.long_ago;
  // A list whose every retry faulted is read again by the next cycle, as in the daemon.
  auto sync_until_ok = [&h](const char* when) {
    HarvestRun r = h.Sync();
    for (int i = 0; i < 6 && !r.status.ok(); ++i) r = h.Sync();
    CheckExact(h, r, when);
  };
  sync_until_ok("first sync under faults");
  auto plan = PlanOf(h, "issues");
  REQUIRE(plan);
  CHECK(plan->rfind("per-writer: ", 0) == 0);
  auto week = gh::testing::WeekOfActivity(h.world().ItemCount());
  week.deleted_issues = 6;
  week.old_reactions = 200;
  h.world().Advance(week);
  sync_until_ok("after a week of activity under faults");
  // Commits pushed late with old dates in the large repository, by a watched writer and in
  // a comparison of several pages (others pushing): read by comparison, under faults too.
  const std::string other = h.UnwatchedLogin();
  REQUIRE(h.world().PushCommits(kLarge, other, 180));
  REQUIRE(h.world().PushCommits(kLarge, login, 7, long_ago));
  sync_until_ok("after late pushes under faults");
  REQUIRE(h.world().PushCommits(kLarge, login, 2, long_ago));
  sync_until_ok("after two more late ones under faults");
}

TEST_CASE("a large repository read per writer stays exact when it is renamed") {
  HarvestHarness h(LargeWorld());
  h.config().harvest.per_writer_above_pages = 3;
  CheckExact(h, h.Sync(), "first sync");
  REQUIRE(PlanOf(h, "issues"));
  gh::testing::AdvanceSpec a;
  a.rename_repo = true;
  a.rename_target = kLarge;
  a.old_reactions = 100;
  auto changed = h.world().Advance(a);
  REQUIRE(changed.renamed_to);
  // Lists are kept by the repository's name: under the new one the first page decides again
  // (one more whole first page), then the writers' lists are read anew.
  auto renamed = h.Sync();
  CheckExact(h, renamed, "after the rename");
  CHECK(renamed.stats.lists_per_writer == 2);
  auto plan = PlanOf(h, "issues", *changed.renamed_to);
  REQUIRE(plan);
  CHECK(plan->rfind("per-writer: ", 0) == 0);
  auto idle = h.Sync();
  CheckExact(h, idle, "idle after the rename");
  CHECK(idle.server.not_modified == idle.server.requests);
  CHECK(idle.server.primary_points() == 0);
}

TEST_CASE("ghharvest status lists the large repositories' per-writer lists") {
  HarvestHarness h(LargeWorld());
  h.config().harvest.per_writer_above_pages = 3;
  REQUIRE_OK(h.Sync().status);
  const std::string cfg = h.WriteConfigFile("GHH_LARGE_REPO_TOKEN");
  auto text = gh::testing::RunGhharvest("status -c '" + cfg + "'");
  REQUIRE(text.code == 0);
  CHECK(text.out.find("large repositories (how their long lists are read):") != std::string::npos);
  CHECK(text.out.find(kLarge + " issues: per-writer: ") != std::string::npos);
  CHECK(text.out.find(kLarge + " commits: per-writer: ") != std::string::npos);
  auto json = gh::testing::RunGhharvest("status --json -c '" + cfg + "'");
  REQUIRE(json.code == 0);
  CHECK(json.out.find(R"("list_plans":[{"repository":")" + kLarge + R"(","list":")") !=
        std::string::npos);
}

TEST_CASE("turning the planner off after a force-push nobody has seen yet buries what it removed") {
  HarvestHarness h(LargeWorld());
  h.config().harvest.per_writer_above_pages = 3;
  CheckExact(h, h.Sync(), "per writer");
  const std::string login = h.world().OwnItems(kLarge).begin()->first;
  REQUIRE(h.world().PushCommits(kLarge, login, 3));
  CheckExact(h, h.SyncRepository(kLarge), "3 pushed");
  const auto n = h.world().Read(
      [&](const ghharvest::testing::WorldModel& m) { return m.Repo(kLarge)->commits.size(); });
  // The three pushed commits go; one new one takes their place. Before the planner turned
  // off, the whole read that followed buried nothing: 3 commits stayed counted for good.
  REQUIRE(h.world().ForcePush(kLarge, n - 3, login, 1));
  h.config().harvest.per_writer_above_pages = 0;
  CheckExact(h, h.SyncRepository(kLarge), "planner off after the force-push");
  CheckExact(h, h.SyncRepository(kLarge), "again");
}

TEST_CASE("a commit pushed while a writer's list is read, then amended, is counted once") {
  HarvestHarnessOptions o = LargeWorld();
  // Once the repository's GET has answered 304 (nothing pushed), the writer pushes just
  // before their commits list is asked for: that list lists from a commit the comparison's
  // base has passed, so it does not hold the new commit, which no comparison was due for.
  auto repository_seen = std::make_shared<std::atomic<bool>>(false);
  const std::string writer_list = "/repos/" + kLarge + "/commits";
  gh::testing::ChangeBetweenRequests between(
      [repository_seen, writer_list](const gh::testing::HttpRequest& r) {
        if (r.path == "/repos/" + kLarge) repository_seen->store(true);
        return *repository_seen && r.path == writer_list && !r.query_param("author").empty();
      });
  o.respond = between.respond();
  HarvestHarness h(o);
  const std::string login = ReadPerWriter(h);
  CheckExact(h, h.Sync(), "first sync");
  REQUIRE(PlanOf(h, "commits"));
  CheckExact(h, h.SyncRepository(kLarge), "idle");
  const auto n = h.world().Read(
      [&](const ghharvest::testing::WorldModel& m) { return m.Repo(kLarge)->commits.size(); });
  repository_seen->store(false);
  between.Arm([&h, login] { h.world().PushCommits(kLarge, login, 1); });
  auto pushed = h.SyncRepository(kLarge);
  CHECK_OK(pushed.status);
  REQUIRE(between.runs() == 1);
  // The commit amended: the base stays on the branch, and the comparison lists the new one.
  REQUIRE(h.world().ForcePush(kLarge, n, login, 1));
  CheckExact(h, h.SyncRepository(kLarge), "after the commit was amended");
  CheckExact(h, h.SyncRepository(kLarge), "again");
}

TEST_CASE("a writer's list answered after a rewrite read buried its history stores nothing") {
  HarvestHarnessOptions o = LargeWorld();
  const std::string writer_list = "/repos/" + kLarge + "/commits";
  // The commit the writers' lists start at before the rewrite, and the writer whose list waits.
  auto from_before = std::make_shared<std::pair<std::string, std::string>>();
  gh::testing::ChangeBetweenRequests between(
      [writer_list, from_before](const gh::testing::HttpRequest& r) {
        return r.path == writer_list && r.query_param("sha") == from_before->first &&
               r.query_param("author") == from_before->second;
      });
  o.respond = between.respond();
  HarvestHarness h(o);
  const std::string login = ReadPerWriter(h);
  // The writer's newest commits at the branch's head, where a force-push will take them off.
  REQUIRE(h.world().PushCommits(kLarge, login, 3));
  CheckExact(h, h.Sync(), "first sync");
  REQUIRE(PlanOf(h, "commits"));
  gh::store::Ingest ingest(h.db());
  auto from_row = [&] {
    auto row = ingest.GetWatermark("commits_writers_from", kLarge);
    REQUIRE_OK(row);
    REQUIRE(*row);
    return (*row)->cursor.value_or("");
  };
  *from_before = {from_row(), login};
  REQUIRE_FALSE(from_before->first.empty());
  const auto n = h.world().Read(
      [&](const ghharvest::testing::WorldModel& m) { return m.Repo(kLarge)->commits.size(); });
  // The 3 go, someone else's 2 take their place. The writer's list has lost its validators
  // (a body this time) and is answered only once the branch's whole read has buried them:
  // what it lists then, from the commit before the rewrite, must not bring them back.
  REQUIRE(h.world().ForcePush(kLarge, n - 3, h.UnwatchedLogin(), 2));
  REQUIRE_OK(h.db().Exec("DELETE FROM http_cache WHERE url LIKE '%author=%'"));
  const std::string db_path = h.config().storage.database;
  between.Arm([db_path, from_before] {
    // Waits (on its own connection) for the rewrite read to move the commit lists start at.
    sqlite3* raw = nullptr;
    if (sqlite3_open(db_path.c_str(), &raw) != SQLITE_OK) return;
    sqlite3_busy_timeout(raw, 1000);
    for (int i = 0; i < 600; ++i) {
      sqlite3_stmt* st = nullptr;
      std::string now;
      if (sqlite3_prepare_v2(raw,
                             "SELECT cursor FROM sync_state WHERE endpoint = "
                             "'commits_writers_from'",
                             -1, &st, nullptr) == SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        now = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      }
      sqlite3_finalize(st);
      if (!now.empty() && now != from_before->first) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    sqlite3_close(raw);
  });
  auto rewritten = h.SyncRepository(kLarge);
  REQUIRE(between.runs() == 1);
  CHECK(from_row() != from_before->first);
  CheckExact(h, rewritten, "after the force-push, the late answer not stored");
  CheckExact(h, h.SyncRepository(kLarge), "again");
}

TEST_CASE("with no base yet, the writers' commits lists are read from the head read names") {
  HarvestHarnessOptions o = LargeWorld();
  // Every writer's commits list of the large repository, as asked.
  auto asked = std::make_shared<std::vector<std::string>>();
  auto mu = std::make_shared<std::mutex>();
  const std::string list = "/repos/" + kLarge + "/commits";
  o.respond = [asked, mu, list](
                  const gh::testing::HttpRequest& r) -> std::optional<gh::testing::HttpResponse> {
    if (r.path == list && !r.query_param("author").empty()) {
      std::lock_guard lock(*mu);
      asked->push_back(r.query_param("sha"));
    }
    return std::nullopt;
  };
  HarvestHarness h(o);
  h.config().harvest.per_writer_above_pages = 3;
  CheckExact(h, h.Sync(), "first sync");
  REQUIRE(PlanOf(h, "commits"));
  // As in a database from before the comparison: no base, no commit the lists start at.
  gh::store::Ingest ingest(h.db());
  REQUIRE_OK(ingest.SetWatermark("commits_base", kLarge, std::nullopt, std::nullopt));
  REQUIRE_OK(ingest.SetWatermark("commits_writers_from", kLarge, std::nullopt, std::nullopt));
  const auto own = h.world().OwnItems(kLarge);
  REQUIRE_FALSE(own.empty());
  REQUIRE(h.world().PushCommits(kLarge, own.begin()->first, 2));
  const std::string head = h.world().Read(
      [](const gh::testing::WorldModel& m) { return m.Repo(kLarge)->commits.back().sha; });
  asked->clear();
  CheckExact(h, h.SyncRepository(kLarge), "no base: the head read first, then the lists");
  {
    std::lock_guard lock(*mu);
    REQUIRE_FALSE(asked->empty());
    for (const auto& sha : *asked) CHECK(sha == head);  // never from the branch
  }
  auto from = ingest.GetWatermark("commits_writers_from", kLarge);
  REQUIRE_OK(from);
  REQUIRE(*from);
  CHECK((*from)->cursor == head);
  CheckExact(h, h.SyncRepository(kLarge), "again");
}
