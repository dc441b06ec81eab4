#include <doctest/doctest.h>

#include <sys/stat.h>
#include "check_ok.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "emit_via.hpp"
#include "ghharvest/app/score_and_report.hpp"
#include "ghharvest/report/files.hpp"
#include "ghharvest/report/reporter.hpp"
#include "ghharvest/util/log.hpp"
#include "log_capture.hpp"
#include "score_test_db.hpp"
#include "test_paths.hpp"

using namespace ghharvest;
using ghharvest::testing::CountsDb;
using ghharvest::testing::ManualClock;
using ghharvest::testing::TempDir;
namespace fs = std::filesystem;

namespace {

struct FileState {
  ino_t ino = 0;
  std::int64_t mtime_ns = 0;
  std::string content;
  bool operator==(const FileState& o) const {
    return ino == o.ino && mtime_ns == o.mtime_ns && content == o.content;
  }
};

// Every file under `dir`, by path relative to it.
std::map<std::string, FileState> Snapshot(const std::string& dir) {
  std::map<std::string, FileState> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    struct stat st;
    REQUIRE(::stat(e.path().c_str(), &st) == 0);
    auto content = report::ReadWholeFile(e.path().string());
    REQUIRE_OK(content);
    out[fs::relative(e.path(), dir).string()] =
        FileState{st.st_ino, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, **content};
  }
  return out;
}

std::vector<std::string> Changed(const std::map<std::string, FileState>& a,
                                 const std::map<std::string, FileState>& b) {
  std::vector<std::string> out;
  for (const auto& [path, st] : b) {
    auto it = a.find(path);
    if (it == a.end() || !(it->second == st)) out.push_back(path);
  }
  for (const auto& [path, st] : a) {
    if (!b.count(path)) out.push_back(path + " (removed)");
  }
  return out;
}

// Two writers, two projects (see the expected numbers in the first test).
void BuildWorld(CountsDb& w) {
  w.User(1, "alice");
  w.User(2, "bob");
  w.User(3, "carol");
  w.User(4, "ci[bot]", "Bot");
  w.Writer("alice");
  w.Writer("bob");
  w.Repo(1, "octo/alpha");
  w.Repo(2, "octo/beta");
  w.Commit(1, "a1", 1, "2026-01-02T10:00:00Z");
  w.Commit(1, "a2", 1, "2026-01-03T10:00:00Z");
  w.Issue(10, 1, 1, 1, true, "Add parser", "2026-01-04T10:00:00Z", "2026-01-05T10:00:00Z", 3);
  w.IssueComment(20, 1, 1, 3, "2026-01-05T11:00:00Z");
  w.IssueComment(21, 1, 1, 4, "2026-01-05T12:00:00Z");
  w.Issue(11, 2, 2, 1, false, "Crash on start", "2026-01-06T00:00:00Z");
  w.IssueComment(22, 2, 2, 1, "2026-01-07T00:00:00Z");
  w.Commit(2, "b1", 2, "2026-01-08T00:00:00Z");
}

config::Config MakeConfig(const std::string& reports_dir) {
  config::Config cfg;
  cfg.reports.dir = reports_dir;
  cfg.reports.site = false;  // the site has its own tests (report_site_test)
  cfg.scoring.k["octo/beta"] = 0.3;
  return cfg;
}

const char* kAliceBlog = R"(---
title: "Contributing to octo/alpha"
writer: "alice"
project: "octo/alpha"
date: 2026-01-05
draft: true
---

# Contributing to octo/alpha

A starting point for a post about alice's work on [octo/alpha](https://example.test/octo/alpha), built from the project's GitHub activity. Edit freely: once this file changes, ghharvest no longer rewrites it.

## Pull requests merged

- [PR #1: Add parser](https://example.test/1/1) (merged 2026-01-05)

## What drew the most response

- [PR #1: Add parser](https://example.test/1/1): 3 reactions, 1 comment from others

## Blog posts already written about it

None yet.

## The numbers behind the score

| count | value |
| --- | --- |
| commits | 2 |
| issues_opened | 0 |
| prs_opened | 1 |
| prs_merged | 1 |
| issue_comments | 0 |
| review_comments | 0 |
| reviews | 0 |
| reactions_received | 3 |
| feedback_received | 1 |
| blog_posts | 0 |

Participation P = 3, influence I = 4, interaction C = 0, technical work T = 3, k = 0.5.

Opportunity score O = k·P + I + C + T = 0.5·3 + 4 + 0 + 3 = 8.5.
)";

const char* kBobBlog = R"(---
title: "Contributing to octo/beta"
writer: "bob"
project: "octo/beta"
date: 2026-01-08
draft: true
---

# Contributing to octo/beta

A starting point for a post about bob's work on [octo/beta](https://example.test/octo/beta), built from the project's GitHub activity. Edit freely: once this file changes, ghharvest no longer rewrites it.

## Pull requests merged

None yet.

## What drew the most response

Nothing has drawn reactions or comments yet.

## Blog posts already written about it

None yet.

## The numbers behind the score

| count | value |
| --- | --- |
| commits | 1 |
| issues_opened | 0 |
| prs_opened | 0 |
| prs_merged | 0 |
| issue_comments | 0 |
| review_comments | 0 |
| reviews | 0 |
| reactions_received | 0 |
| feedback_received | 0 |
| blog_posts | 0 |

Participation P = 1, influence I = 0, interaction C = 0, technical work T = 1, k = 0.3.

Opportunity score O = k·P + I + C + T = 0.3·1 + 0 + 0 + 1 = 1.3.
)";

}  // namespace

TEST_CASE(
    "score emits every report byte for byte, rewrites nothing unchanged, and only what changed") {
  TempDir tmp;
  CountsDb w(tmp.file("ghharvest.db"));
  BuildWorld(w);
  const std::string dir = tmp.file("reports");
  config::Config cfg = MakeConfig(dir);
  auto reporter = report::Reporter::Open(cfg.reports);
  REQUIRE_MESSAGE(reporter.ok(), reporter.status().ToString());
  ManualClock clock("2026-02-01T00:00:00Z");

  auto first = app::ScoreAndReport(w.db(), cfg, clock, **reporter);
  REQUIRE_MESSAGE(first.ok(), first.status().ToString());
  CHECK(first->run == 1);
  CHECK(first->writers == 2);
  CHECK(first->rows == 3);
  CHECK(first->emit.jsonl_lines == 2);
  CHECK(first->emit.blogs_written == 2);
  CHECK(first->emit.refused == 0);

  std::map<std::string, std::string> want = {
      {"contributions/octo/alpha/alice_alpha.txt",
       "Project: octo/alpha\nContribution Count: 3\nFeedback Count: 4\nInteraction Count: 0\n"},
      {"influences/octo/alpha/alice_alpha.txt",
       "Project: octo/alpha\nFeedback Count: 4\nInteraction Count: 0\nOpportunity Score: 8.5\n"},
      {"contributions/octo/beta/alice_beta.txt",
       "Project: octo/beta\nContribution Count: 0\nFeedback Count: 0\nInteraction Count: 2\n"},
      {"influences/octo/beta/alice_beta.txt",
       "Project: octo/beta\nFeedback Count: 0\nInteraction Count: 2\nOpportunity Score: 2.6\n"},
      {"contributions/octo/beta/bob_beta.txt",
       "Project: octo/beta\nContribution Count: 1\nFeedback Count: 0\nInteraction Count: 0\n"},
      {"influences/octo/beta/bob_beta.txt",
       "Project: octo/beta\nFeedback Count: 0\nInteraction Count: 0\nOpportunity Score: 1.3\n"},
      {"total_influences/alice.txt",
       "Total Influence Count: 6\nOpportunity Score: 8.5\nBest Project: octo/alpha\n"},
      {"total_influences/bob.txt",
       "Total Influence Count: 0\nOpportunity Score: 1.3\nBest Project: octo/beta\n"},
      {"blogs/octo/alpha/alice/contributing-to-alpha.md", kAliceBlog},
      {"blogs/octo/beta/bob/contributing-to-beta.md", kBobBlog},
      {"influence.jsonl",
       R"({"ts":"2026-02-01T00:00:00Z","run":1,"writer":"alice","opportunity":8.5,"best_project":"octo/alpha","total_influence":6,"projects":[{"project":"octo/alpha","k":0.5,"P":3,"I":4,"C":0,"T":3,"O":8.5},{"project":"octo/beta","k":0.3,"P":2,"I":0,"C":2,"T":0,"O":2.6}]})"
       "\n"
       R"({"ts":"2026-02-01T00:00:00Z","run":1,"writer":"bob","opportunity":1.3,"best_project":"octo/beta","total_influence":0,"projects":[{"project":"octo/beta","k":0.3,"P":1,"I":0,"C":0,"T":1,"O":1.3}]})"
       "\n"},
  };
  auto snap1 = Snapshot(dir);
  std::vector<std::string> got_names, want_names;
  for (const auto& [p, st] : snap1) got_names.push_back(p);
  for (const auto& [p, c] : want) want_names.push_back(p);
  CHECK(got_names == want_names);
  for (const auto& [path, content] : want) {
    const auto& shown = path;  // clang 14 lambdas (INFO) cannot capture a binding
    INFO(shown);
    CHECK(snap1[path].content == content);
  }
  CHECK(first->emit.files_written == static_cast<int>(want.size()) - 1);

  // Same data, a later run: nothing rewritten, nothing appended.
  clock.Set("2026-02-02T00:00:00Z");
  auto second = app::ScoreAndReport(w.db(), cfg, clock, **reporter);
  REQUIRE_MESSAGE(second.ok(), second.status().ToString());
  CHECK(second->run == 2);
  CHECK(second->emit.writers_changed == 0);
  CHECK(second->emit.files_written == 0);
  CHECK(second->emit.jsonl_lines == 0);
  CHECK(Changed(snap1, Snapshot(dir)).empty());

  // A new Reporter (a restarted process) also sees nothing to do.
  auto reporter2 = report::Reporter::Open(cfg.reports);
  REQUIRE_OK(reporter2);
  auto again = app::ScoreAndReport(w.db(), cfg, clock, **reporter2);
  REQUIRE_OK(again);
  CHECK(again->emit.files_written == 0);
  CHECK(Changed(snap1, Snapshot(dir)).empty());

  // One more commit for bob: exactly bob's files and one JSONL line change.
  w.Commit(2, "b2", 2, "2026-01-09T00:00:00Z");
  clock.Set("2026-02-03T00:00:00Z");
  auto third = app::ScoreAndReport(w.db(), cfg, clock, **reporter);
  REQUIRE_MESSAGE(third.ok(), third.status().ToString());
  CHECK(third->emit.writers_changed == 1);
  CHECK(third->emit.jsonl_lines == 1);
  auto snap3 = Snapshot(dir);
  std::vector<std::string> want_changed = {
      "blogs/octo/beta/bob/contributing-to-beta.md", "contributions/octo/beta/bob_beta.txt",
      "influence.jsonl", "influences/octo/beta/bob_beta.txt", "total_influences/bob.txt"};
  CHECK(Changed(snap1, snap3) == want_changed);
  CHECK(
      snap3["influence.jsonl"].content ==
      snap1["influence.jsonl"].content +
          R"({"ts":"2026-02-03T00:00:00Z","run":4,"writer":"bob","opportunity":2.6,"best_project":"octo/beta","total_influence":0,"projects":[{"project":"octo/beta","k":0.3,"P":2,"I":0,"C":0,"T":2,"O":2.6}]})"
          "\n");
  CHECK(snap3["total_influences/bob.txt"].content ==
        "Total Influence Count: 0\nOpportunity Score: 2.6\nBest Project: octo/beta\n");
}

TEST_CASE("a deleted report file is written again even when the numbers did not change") {
  TempDir tmp;
  CountsDb w;
  BuildWorld(w);
  config::Config cfg = MakeConfig(tmp.file("reports"));
  auto reporter = report::Reporter::Open(cfg.reports);
  REQUIRE_OK(reporter);
  ManualClock clock("2026-02-01T00:00:00Z");
  REQUIRE_OK(app::ScoreAndReport(w.db(), cfg, clock, **reporter));
  const std::string total = tmp.file("reports/total_influences/bob.txt");
  REQUIRE(fs::remove(total));
  auto again = app::ScoreAndReport(w.db(), cfg, clock, **reporter);
  REQUIRE_OK(again);
  CHECK(fs::exists(total));
  CHECK(again->emit.files_written == 1);
  CHECK(again->emit.jsonl_lines == 0);
}

TEST_CASE("a blog draft the writer edited is kept, an untouched one follows the data") {
  TempDir tmp;
  CountsDb w;
  BuildWorld(w);
  config::Config cfg = MakeConfig(tmp.file("reports"));
  auto reporter = report::Reporter::Open(cfg.reports);
  REQUIRE_OK(reporter);
  ManualClock clock("2026-02-01T00:00:00Z");
  REQUIRE_OK(app::ScoreAndReport(w.db(), cfg, clock, **reporter));
  const std::string alice_blog =
      tmp.file("reports/blogs/octo/alpha/alice/contributing-to-alpha.md");
  const std::string bob_blog = tmp.file("reports/blogs/octo/beta/bob/contributing-to-beta.md");
  const std::string edited = std::string(kAliceBlog) + "\nMy own notes.\n";
  REQUIRE_OK(report::WriteFileIfChanged(alice_blog, edited));

  w.Commit(1, "a3", 1, "2026-01-10T00:00:00Z");  // alice's inputs change
  w.Commit(2, "b2", 2, "2026-01-10T00:00:00Z");  // and bob's
  auto run = app::ScoreAndReport(w.db(), cfg, clock, **reporter);
  REQUIRE_MESSAGE(run.ok(), run.status().ToString());
  CHECK(run->emit.blogs_kept_edited == 1);
  CHECK(run->emit.blogs_written == 1);
  CHECK(**report::ReadWholeFile(alice_blog) == edited);
  const std::string bob_now = **report::ReadWholeFile(bob_blog);
  CHECK(bob_now != kBobBlog);
  CHECK(bob_now.find("| commits | 2 |") != std::string::npos);
  // The rest of alice's reports still follow the data.
  CHECK(**report::ReadWholeFile(tmp.file("reports/total_influences/alice.txt")) ==
        "Total Influence Count: 6\nOpportunity Score: 10\nBest Project: octo/alpha\n");
}

TEST_CASE("a draft that exists before ghharvest ever wrote it is never overwritten") {
  TempDir tmp;
  CountsDb w;
  BuildWorld(w);
  config::Config cfg = MakeConfig(tmp.file("reports"));
  const std::string dir = tmp.file("reports/blogs/octo/beta/bob");
  REQUIRE_OK(report::MakeDirs(dir));
  REQUIRE_OK(report::WriteFileIfChanged(dir + "/contributing-to-beta.md", "mine\n"));
  auto reporter = report::Reporter::Open(cfg.reports);
  REQUIRE_OK(reporter);
  ManualClock clock("2026-02-01T00:00:00Z");
  auto run = app::ScoreAndReport(w.db(), cfg, clock, **reporter);
  REQUIRE_OK(run);
  CHECK(run->emit.blogs_kept_edited == 1);
  CHECK(**report::ReadWholeFile(dir + "/contributing-to-beta.md") == "mine\n");
}

TEST_CASE("hostile writer and project names are refused with a logged error, nothing escapes") {
  TempDir tmp;
  CountsDb w;
  const std::string dir = tmp.file("out/reports");
  config::ReportsConfig rc;
  rc.dir = dir;
  auto reporter = report::Reporter::Open(rc);
  REQUIRE_OK(reporter);
  ManualClock clock("2026-02-01T00:00:00Z");

  const std::vector<std::string> bad_writers = {"..",
                                                ".",
                                                "a/b",
                                                "../../etc",
                                                std::string("al\0ice", 6),
                                                std::string(300, 'a'),
                                                "zo\xc3\xab",
                                                "",
                                                "-alice",
                                                "a--b",
                                                "x\n"};
  const std::vector<std::string> bad_projects = {"octo/..",
                                                 "octo/.",
                                                 "../x",
                                                 "octo/a/b",
                                                 std::string("octo/a\0b", 8),
                                                 "octo/r\xc3\xa9",
                                                 "octo/" + std::string(300, 'r'),
                                                 "octo",
                                                 "/abs",
                                                 "octo/",
                                                 "..\\x/y"};
  config::ScoringConfig sc;
  score::ScoreRun run;
  run.run = 1;
  run.finished_at = "2026-02-01T00:00:00Z";
  for (const std::string& name : bad_writers) {
    score::WriterScore ws;
    ws.writer = name;
    score::ProjectScore ps;
    ps.project = "octo/alpha";
    ps.counts[score::Count::kCommits] = 1;
    score::ScoreProject(sc, ps);
    ws.projects.push_back(ps);
    score::FinishWriter(ws);
    run.writers.push_back(ws);
  }
  score::WriterScore good;
  good.writer = "alice";
  for (const std::string& name : bad_projects) {
    score::ProjectScore ps;
    ps.project = name;
    ps.counts[score::Count::kCommits] = 5;  // the best project is a hostile one
    score::ScoreProject(sc, ps);
    good.projects.push_back(ps);
  }
  score::ProjectScore fine;
  fine.project = "octo/alpha";
  fine.counts[score::Count::kCommits] = 1;
  score::ScoreProject(sc, fine);
  good.projects.push_back(fine);
  score::FinishWriter(good);
  run.writers.push_back(good);

  ghharvest::testing::LogCapture logs;
  auto stats = ghharvest::testing::EmitVia(**reporter, w.db(), run, clock);
  const std::vector<std::string> errors = logs.Lines(log::Level::kError);
  REQUIRE_MESSAGE(stats.ok(), stats.status().ToString());
  const int want_refused = static_cast<int>(bad_writers.size() + bad_projects.size());
  CHECK(stats->refused == want_refused);
  CHECK(static_cast<int>(errors.size()) == want_refused);
  for (const std::string& line : errors) CHECK(line.find("report refused") == 0);

  // Only alice's safe files, all inside the reports folder.
  std::vector<std::string> all;
  for (const auto& e : fs::recursive_directory_iterator(tmp.path())) {
    if (e.is_regular_file()) all.push_back(fs::relative(e.path(), tmp.path()).string());
  }
  std::sort(all.begin(), all.end());
  std::vector<std::string> want = {"out/reports/contributions/octo/alpha/alice_alpha.txt",
                                   "out/reports/influence.jsonl",
                                   "out/reports/influences/octo/alpha/alice_alpha.txt",
                                   "out/reports/site/index.html",
                                   "out/reports/site/writers/alice.html",
                                   "out/reports/total_influences/alice.txt"};
  CHECK(all == want);
  // Nor into the site.
  for (const char* page : {"/site/index.html", "/site/writers/alice.html"}) {
    const std::string html = **report::ReadWholeFile(dir + page);
    CHECK(html.find("alice") != std::string::npos);
    for (const std::string& name : bad_projects) {
      if (name.size() > 5) CHECK(html.find(name) == std::string::npos);
    }
    CHECK(html.find("a--b") == std::string::npos);
  }
  CHECK(report::ReadWholeFile(dir + "/site/writers/alice.html")->value().find("octo/alpha") !=
        std::string::npos);
  // The hostile best project is not echoed into the total file.
  CHECK(**report::ReadWholeFile(dir + "/total_influences/alice.txt") ==
        "Total Influence Count: 0\nOpportunity Score: 7.5\nBest Project: -\n");
  CHECK(
      **report::ReadWholeFile(dir + "/influence.jsonl") ==
      R"({"ts":"2026-02-01T00:00:00Z","run":1,"writer":"alice","opportunity":7.5,"best_project":"-","total_influence":0,"projects":[{"project":"octo/alpha","k":0.5,"P":1,"I":0,"C":0,"T":1,"O":1.5}]})"
      "\n");
}

TEST_CASE("the reporter refuses an empty folder and a folder path that is a file") {
  TempDir tmp;
  config::ReportsConfig rc;
  CHECK_FALSE(report::Reporter::Open(rc).ok());
  REQUIRE_OK(report::WriteFileIfChanged(tmp.file("plain"), "x"));
  rc.dir = tmp.file("plain");
  CHECK_FALSE(report::Reporter::Open(rc).ok());
  rc.dir = tmp.file("plain/sub");
  CHECK_FALSE(report::Reporter::Open(rc).ok());
}

TEST_CASE("emission reports progress after each writer it writes, and none when nothing changed") {
  TempDir tmp;
  CountsDb w(tmp.file("ghharvest.db"));
  BuildWorld(w);
  config::Config cfg = MakeConfig(tmp.file("reports"));
  auto reporter = report::Reporter::Open(cfg.reports);
  REQUIRE_OK(reporter);
  int calls = 0;
  (*reporter)->SetProgress([&] { ++calls; });
  ManualClock clock("2026-02-01T00:00:00Z");
  auto first = app::ScoreAndReport(w.db(), cfg, clock, **reporter);
  REQUIRE_OK(first);
  CHECK(first->emit.writers_changed == 2);
  CHECK(calls == 2);
  auto again = app::ScoreAndReport(w.db(), cfg, clock, **reporter);
  REQUIRE_OK(again);
  CHECK(again->emit.writers_changed == 0);
  CHECK(calls == 2);  // unchanged writers cost a hash each: no progress to report
}

TEST_CASE("the blog draft lists the writer's own posts on the project, newest first") {
  TempDir tmp;
  CountsDb w(tmp.file("ghharvest.db"));
  BuildWorld(w);
  w.Exec(
      "INSERT INTO blog_posts (url, writer, project, title, published_at) VALUES "
      "('https://bob.example/beta-1', 'bob', 'octo/beta', 'Beta, part 1', "
      "'2026-01-09T08:00:00Z'), "
      "('https://bob.example/beta-2', 'bob', 'Octo/Beta', 'Beta [part 2]', "
      "'2026-01-20T08:00:00Z'), "
      "('https://bob.example/alpha', 'bob', 'octo/alpha', 'Not this project', "
      "'2026-01-21T08:00:00Z')");
  const std::string dir = tmp.file("reports");
  config::Config cfg = MakeConfig(dir);
  auto reporter = report::Reporter::Open(cfg.reports);
  REQUIRE_OK(reporter);
  ManualClock clock("2026-02-01T00:00:00Z");
  REQUIRE_OK(app::ScoreAndReport(w.db(), cfg, clock, **reporter));
  auto md = report::ReadWholeFile(dir + "/blogs/octo/beta/bob/contributing-to-beta.md");
  REQUIRE_OK(md);
  REQUIRE(md->has_value());
  const std::string text = **md;
  CHECK_MESSAGE(
      text.find("## Blog posts already written about it\n\n"
                "- [Beta \\[part 2\\]](https://bob.example/beta-2) (2026-01-20)\n"
                "- [Beta, part 1](https://bob.example/beta-1) (2026-01-09)\n") != std::string::npos,
      text);
}

namespace {

// The test world's database and reports folder (the site on), for runs one after another
// with the database changed between them. The reporter opens at the first run, so a test
// can lay out the folder first.
struct PruneFixture {
  TempDir tmp;
  CountsDb w{tmp.file("ghharvest.db")};
  const std::string dir = tmp.file("reports");
  config::Config cfg = MakeConfig(dir);
  ManualClock clock{"2026-02-01T00:00:00Z"};
  std::unique_ptr<report::Reporter> reporter;
  PruneFixture() {
    BuildWorld(w);
    cfg.reports.site = true;
  }
  auto Run() {
    if (!reporter) {
      auto opened = report::Reporter::Open(cfg.reports);
      REQUIRE_OK(opened);
      reporter = std::move(*opened);
    }
    return app::ScoreAndReport(w.db(), cfg, clock, *reporter);
  }
};

}  // namespace

TEST_CASE(
    "files of a renamed project and of a writer no longer watched are removed, nothing else is") {
  PruneFixture f;
  TempDir& tmp = f.tmp;
  CountsDb& w = f.w;
  const std::string& dir = f.dir;
  ManualClock& clock = f.clock;
  auto first = f.Run();
  REQUIRE_OK(first);
  CHECK(first->emit.files_removed == 0);
  // What is not the reporter's own stays whatever happens: an operator's notes, a file that
  // only looks like a report, a symbolic link in a report's place and the file it points at.
  const std::string outside = tmp.file("outside.txt");
  REQUIRE_OK(report::WriteFileIfChanged(outside, "keep\n"));
  const std::vector<std::string> foreign = {
      "contributions/octo/beta/NOTES.md", "contributions/octo/beta/alice_alpha.txt",
      "total_influences/README", "total_influences/not_a_login.txt", "site/writers/notes.txt"};
  for (const std::string& rel : foreign) {
    REQUIRE_OK(report::WriteFileIfChanged(dir + "/" + rel, "mine\n"));
  }
  fs::create_symlink(outside, dir + "/influences/octo/beta/carol_beta.txt");

  // octo/beta is renamed on GitHub and bob is no longer watched.
  w.Exec("UPDATE repos SET full_name = 'octo/gamma' WHERE id = 2");
  w.Exec("DELETE FROM writers WHERE login = 'bob'");
  clock.Set("2026-02-02T00:00:00Z");
  auto second = f.Run();
  REQUIRE_OK(second);
  CHECK(second->writers == 1);
  std::vector<std::string> left;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_directory()) left.push_back(e.path().lexically_relative(dir).string());
  }
  std::sort(left.begin(), left.end());
  const std::vector<std::string> want = {
      "blogs/octo/alpha/alice/contributing-to-alpha.md",
      "blogs/octo/beta/bob/contributing-to-beta.md",  // drafts are never removed
      "contributions/octo/alpha/alice_alpha.txt",
      "contributions/octo/beta/NOTES.md",
      "contributions/octo/beta/alice_alpha.txt",
      "contributions/octo/gamma/alice_gamma.txt",
      "influence.jsonl",
      "influences/octo/alpha/alice_alpha.txt",
      "influences/octo/beta/carol_beta.txt",
      "influences/octo/gamma/alice_gamma.txt",
      "site/index.html",
      "site/writers/alice.html",
      "site/writers/notes.txt",
      "total_influences/README",
      "total_influences/alice.txt",
      "total_influences/not_a_login.txt"};
  CHECK(left == want);
  // alice_beta (twice), bob_beta (twice), bob's total and bob's page.
  CHECK(second->emit.files_removed == 6);
  CHECK(**report::ReadWholeFile(outside) == "keep\n");
  // influences/octo/beta still holds the link; contributions/octo/beta its foreign files.
  CHECK(fs::is_symlink(dir + "/influences/octo/beta/carol_beta.txt"));

  // A folder a removal empties goes with it; the next run has nothing left to remove.
  fs::remove(dir + "/influences/octo/beta/carol_beta.txt");
  w.Exec("UPDATE repos SET full_name = 'octo/delta' WHERE id = 2");
  clock.Set("2026-02-03T00:00:00Z");
  auto third = f.Run();
  REQUIRE_OK(third);
  CHECK(third->emit.files_removed == 2);
  CHECK_FALSE(fs::exists(dir + "/influences/octo/gamma"));
  CHECK_FALSE(fs::exists(dir + "/contributions/octo/gamma"));
  CHECK(fs::exists(dir + "/influences/octo/delta/alice_delta.txt"));
  CHECK(fs::exists(dir + "/influences/octo/beta"));  // emptied earlier by hand, not by us
  auto fourth = f.Run();
  REQUIRE_OK(fourth);
  CHECK(fourth->emit.files_removed == 0);
  CHECK(fourth->emit.files_written == 0);
}

TEST_CASE(
    "pruning never follows a linked site folder and leaves everything when nobody is scored") {
  PruneFixture f;
  TempDir& tmp = f.tmp;
  CountsDb& w = f.w;
  const std::string& dir = f.dir;
  // The site folder is a link to a web root holding a page of a writer nobody scores.
  const std::string webroot = tmp.file("webroot");
  REQUIRE_OK(report::MakeDirs(webroot + "/writers"));
  REQUIRE_OK(report::WriteFileIfChanged(webroot + "/writers/zed.html", "theirs\n"));
  REQUIRE_OK(report::MakeDirs(dir));
  fs::create_directory_symlink(webroot, dir + "/site");
  auto first = f.Run();
  REQUIRE_OK(first);
  CHECK(first->emit.files_removed == 0);
  CHECK(**report::ReadWholeFile(webroot + "/writers/zed.html") == "theirs\n");

  // No writer scored at all (an emptied database): every report stays.
  w.Exec("DELETE FROM writers");
  auto empty = f.Run();
  REQUIRE_OK(empty);
  CHECK(empty->writers == 0);
  CHECK(empty->emit.files_removed == 0);
  CHECK(fs::exists(dir + "/total_influences/alice.txt"));
  CHECK(fs::exists(dir + "/contributions/octo/beta/bob_beta.txt"));
}
