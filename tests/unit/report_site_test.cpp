// The site's pieces as pure functions (escaping, links, chart and bar geometry, pages), and
// its emission through the database: what a first run writes, that an unchanged run writes
// nothing, and that a change rewrites exactly the changed writer's page and the index.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "check_ok.hpp"
#include "emit_via.hpp"
#include "ghharvest/app/score_and_report.hpp"
#include "ghharvest/report/files.hpp"
#include "ghharvest/report/site.hpp"
#include "manual_clock.hpp"
#include "score_test_db.hpp"
#include "test_paths.hpp"

using namespace ghharvest;
using ghharvest::testing::CountsDb;
using ghharvest::testing::ManualClock;
using ghharvest::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::size_t Count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

score::ProjectScore Project(const std::string& name, double k, double p, double i, double c,
                            double t) {
  score::ProjectScore ps;
  ps.project = name;
  ps.k = k;
  ps.p = p;
  ps.i = i;
  ps.c = c;
  ps.t = t;
  ps.o = k * p + i + c + t;
  return ps;
}

const char* kScriptTitle = "<script>document.title='PWNED'</script>";
const char* kImgTitle = "\"><img src=x onerror=\"document.body.dataset.pwned=1\">";

}  // namespace

TEST_CASE("HtmlEscape turns markup from data into text and drops control characters") {
  CHECK(report::HtmlEscape(kScriptTitle) ==
        "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;");
  CHECK(report::HtmlEscape(kImgTitle) ==
        "&quot;&gt;&lt;img src=x onerror=&quot;document.body.dataset.pwned=1&quot;&gt;");
  CHECK(report::HtmlEscape("a & b") == "a &amp; b");
  CHECK(report::HtmlEscape(std::string("a\0b\x01\x7f\tc\nd", 10)) == "ab\tc\nd");
  CHECK(report::HtmlEscape("zoë ✓") == "zoë ✓");  // UTF-8 passes through
}

TEST_CASE("only absolute http and https URLs become links") {
  CHECK(report::SafeHttpUrl("https://github.com/octo/alpha/pull/1") ==
        "https://github.com/octo/alpha/pull/1");
  CHECK(report::SafeHttpUrl("http://blog.example/post?a=1&b=2") ==
        "http://blog.example/post?a=1&b=2");
  for (const char* bad : {"javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x",
                          "/octo/alpha", "//evil.example/x", "https://", "https:///x",
                          "https://a b", "https://a\nb", "vbscript:x", ""}) {
    CHECK_MESSAGE(report::SafeHttpUrl(bad).empty(), bad);
  }
}

TEST_CASE("the line chart places each run's O on a linear scale and labels it") {
  using G = report::ChartGeometry;
  const std::vector<report::ChartPoint> pts = {
      {1, "2026-02-01T00:00:00Z", 0}, {2, "2026-02-02T00:00:00Z", 10}, {5, "2026-02-05", 5}};
  const auto xy = report::ChartPositions(pts);
  REQUIRE(xy.size() == 3);
  const double w = G::kWidth - G::kLeft - G::kRight, h = G::kHeight - G::kTop - G::kBottom;
  CHECK(xy[0].x == doctest::Approx(G::kLeft));
  CHECK(xy[1].x == doctest::Approx(G::kLeft + w / 4));
  CHECK(xy[2].x == doctest::Approx(G::kLeft + w));
  CHECK(xy[0].y == doctest::Approx(G::kTop + h));  // 0 at the bottom
  CHECK(xy[1].y == doctest::Approx(G::kTop));      // the highest at the top
  CHECK(xy[2].y == doctest::Approx(G::kTop + h / 2));
  const std::string svg = report::LineChartSvg("O of <x>", "desc & more", pts);
  CHECK(Count(svg, "<circle class=\"pt\"") == 3);
  CHECK(svg.find("role=\"img\"><title>O of &lt;x&gt;</title><desc>desc &amp; more</desc>") !=
        std::string::npos);
  CHECK(svg.find(fmt::format("cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"4\" data-run=\"2\" data-o=\"10\"",
                             xy[1].x, xy[1].y)) != std::string::npos);
  CHECK(svg.find("<polyline class=\"line\" points=\"") != std::string::npos);
  CHECK(svg.find(">run 1</text>") != std::string::npos);
  CHECK(svg.find(">run 5</text>") != std::string::npos);

  // One point sits in the middle; equal values get a range of 1; negatives stay in view.
  const auto one = report::ChartPositions({{7, "t", 3}});
  CHECK(one[0].x == doctest::Approx(G::kLeft + w / 2));
  CHECK(one[0].y == doctest::Approx(G::kTop));
  const auto neg = report::ChartPositions({{1, "t", -2}, {2, "t", 2}});
  CHECK(neg[0].y == doctest::Approx(G::kTop + h));
  CHECK(neg[1].y == doctest::Approx(G::kTop));
  CHECK(report::LineChartSvg("t", "d", {}).find("no runs kept") != std::string::npos);
  CHECK(report::LineChartSvg("t", "d", {}).find("<circle") == std::string::npos);
}

TEST_CASE("stacked bars: k·P, I, C and T of each project on one scale, hostile names escaped") {
  std::vector<score::ProjectScore> ps = {Project("octo/alpha", 0.5, 4, 3, 2, 1),  // O 8
                                         Project("octo/<b>", 1, 1, 1, 1, 1)};     // O 4
  const std::string svg = report::StackedBarsSvg("bars", "d", ps);
  CHECK(Count(svg, "<g class=\"bar\"") == 2);
  CHECK(Count(svg, "<rect class=\"seg seg-") == 8);
  // The largest O spans the plot (640 - 200 - 56 = 384 wide): 8 -> 384, so 1 -> 48.
  CHECK(svg.find("class=\"seg seg-kp\" x=\"200.00\" y=\"8.00\" width=\"96.00\"") !=
        std::string::npos);
  CHECK(svg.find("class=\"seg seg-i\" x=\"296.00\" y=\"8.00\" width=\"144.00\"") !=
        std::string::npos);
  CHECK(svg.find("class=\"seg seg-t\" x=\"344.00\" y=\"36.00\" width=\"48.00\"") !=
        std::string::npos);
  CHECK(svg.find("octo/&lt;b&gt;") != std::string::npos);
  CHECK(svg.find("<b>") == std::string::npos);

  std::vector<score::ProjectScore> many;
  for (std::size_t i = 0; i < report::kMaxBars + 3; ++i) {
    many.push_back(Project(fmt::format("o/p{}", i), 1, 1, 0, 0, 0));
  }
  const std::string capped = report::StackedBarsSvg("bars", "d", many);
  CHECK(Count(capped, "<g class=\"bar\"") == report::kMaxBars);
  CHECK(capped.find("The 3 projects with the lowest O are left out.") != std::string::npos);
  CHECK(report::StackedBarsSvg("b", "d", {}).find("no projects") != std::string::npos);
}

TEST_CASE("the index lists every writer by O with Total, best project and change, escaped") {
  std::vector<report::IndexRow> rows(3);
  rows[0] = {"bob", 2, 1, "octo/beta", std::nullopt, 1};
  rows[1] = {"alice", 8.5, 6, "octo/alpha", 2.25, 3};
  rows[2] = {"<i>eve</i>", 1, 0, "-", -0.5, 3};
  const std::string html = report::IndexPage(rows, 3, "2026-02-03T00:00:00Z");
  const std::size_t a = html.find("data-writer=\"alice\""), b = html.find("data-writer=\"bob\"");
  const std::size_t e = html.find("data-writer=\"&lt;i&gt;eve&lt;/i&gt;\"");
  REQUIRE(a != std::string::npos);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  CHECK(a < b);
  CHECK(b < e);
  CHECK(html.find("<i>") == std::string::npos);
  CHECK(html.find("<a href=\"writers/alice.html\">alice</a>") != std::string::npos);
  CHECK(html.find("<td class=\"num\" data-v=\"8.5\">8.5</td><td>octo/alpha</td>"
                  "<td class=\"num\" data-v=\"6\">6</td>"
                  "<td class=\"num\" data-v=\"2.25\" title=\"since run 3\">+2.25</td>") !=
        std::string::npos);
  CHECK(html.find("title=\"first run kept\">new</td>") != std::string::npos);
  CHECK(html.find(">-0.5</td>") != std::string::npos);
  CHECK(html.find("Latest change: run 3, scored 2026-02-03T00:00:00Z. 3 writers.") !=
        std::string::npos);
  // The page's own sorting script is the only script, and the policy forbids every request.
  CHECK(Count(html, "<script") == 1);
  CHECK(html.find("default-src 'none'") != std::string::npos);
  CHECK(report::IndexPage({}, 0, "").find("<p class=\"muted\">0 writers.</p>") !=
        std::string::npos);
}

TEST_CASE("a writer page shows history, breakdown and the best project's items as text") {
  report::WriterPageInputs in;
  in.score.writer = "alice";
  in.score.projects = {Project("octo/alpha", 0.5, 4, 3, 2, 1), Project("octo/beta", 1, 1, 0, 0, 0)};
  in.score.opportunity = 8;
  in.score.total_influence = 5;
  in.score.best_project = "octo/alpha";
  in.history = {{"alice", 1, "2026-02-01T00:00:00Z", 6, 4, "octo/alpha"},
                {"alice", 3, "2026-02-03T00:00:00Z", 8, 5, "octo/alpha"}};
  in.best.project_url = "https://github.com/octo/alpha";
  in.best.date = "2026-01-30";
  model::BlogItem merged;
  merged.number = 7;
  merged.is_pull = true;
  merged.title = kScriptTitle;
  merged.html_url = "https://github.com/octo/alpha/pull/7";
  merged.merged_at = "2026-01-30T10:00:00Z";
  in.best.merged = {merged};
  model::BlogItem top;
  top.number = 8;
  top.title = kImgTitle;
  top.html_url = "javascript:alert(1)";
  top.reactions = 4;
  top.feedback = 2;
  in.best.top = {top};
  in.best.posts = {{"My <em>post</em>", "https://blog.example/p", "2026-01-20"}};
  in.last_harvested = "2026-02-03T00:00:00Z";
  const std::string html = report::WriterPage(in);

  CHECK(html.find("<script") == std::string::npos);  // no script at all on a writer page
  CHECK(html.find("script-src 'none'") != std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("<em>") == std::string::npos);
  CHECK(html.find("<a href=\"https://github.com/octo/alpha/pull/7\" rel=\"noopener noreferrer "
                  "nofollow\">PR #7: &lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;"
                  "</a>, merged 2026-01-30") != std::string::npos);
  // A javascript: URL is not a link: the title stays, as text.
  CHECK(html.find("javascript:") == std::string::npos);
  CHECK(html.find("<li>Issue #8: &quot;&gt;&lt;img src=x onerror=&quot;document.body.dataset."
                  "pwned=1&quot;&gt; (4 reactions, 2 comments from others)</li>") !=
        std::string::npos);
  CHECK(html.find("My &lt;em&gt;post&lt;/em&gt;</a>, 2026-01-20") != std::string::npos);
  CHECK(Count(html, "<circle class=\"pt\"") == 2);
  CHECK(html.find("data-run=\"3\" data-o=\"8\"") != std::string::npos);
  CHECK(Count(html, "<g class=\"bar\"") == 2);
  // Highest O first in the breakdown.
  CHECK(html.find("data-project=\"octo/alpha\"") < html.find("data-project=\"octo/beta\""));
  CHECK(html.find("These numbers since run 3, scored 2026-02-03T00:00:00Z; the best project was "
                  "last harvested 2026-02-03T00:00:00Z; the writer&#39;s latest activity there: "
                  "2026-01-30.") != std::string::npos);
  CHECK(html.find("<a href=\"../index.html\">") != std::string::npos);
  CHECK(report::SiteWriterPath("index") == "writers/index.html");
}

namespace {

struct FileState {
  ino_t ino = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileState&) const = default;
};

std::map<std::string, FileState> SiteFiles(const std::string& dir) {
  std::map<std::string, FileState> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    struct stat st;
    REQUIRE(::stat(e.path().c_str(), &st) == 0);
    out[fs::relative(e.path(), dir).string()] =
        FileState{st.st_ino, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec};
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
  return out;
}

void TwoWriters(CountsDb& w) {
  w.User(1, "alice");
  w.User(2, "bob");
  w.Writer("alice");
  w.Writer("bob");
  w.Repo(1, "octo/alpha");
  w.Repo(2, "octo/beta");
  w.Commit(1, "a1", 1, "2026-01-02T10:00:00Z");
  w.Issue(10, 1, 1, 1, true, kScriptTitle, "2026-01-04T10:00:00Z", "2026-01-05T10:00:00Z", 3);
  w.Commit(2, "b1", 2, "2026-01-08T00:00:00Z");
}

std::string Read(const std::string& path) {
  auto r = report::ReadWholeFile(path);
  REQUIRE_OK(r);
  REQUIRE(r->has_value());
  return **r;
}

}  // namespace

TEST_CASE("the site is written on the first run, not at all when nothing changed") {
  TempDir tmp;
  CountsDb w;
  TwoWriters(w);
  config::Config cfg;
  cfg.reports.dir = tmp.file("reports");
  auto reporter = report::Reporter::Open(cfg.reports);
  REQUIRE_OK(reporter);
  ManualClock clock("2026-02-01T00:00:00Z");
  const std::string site = tmp.file("reports/site");

  auto first = app::ScoreAndReport(w.db(), cfg, clock, **reporter);
  REQUIRE_OK(first);
  CHECK(first->emit.site_written == 3);
  auto snap1 = SiteFiles(site);
  CHECK(snap1.size() == 3);
  CHECK(snap1.count("index.html") == 1);
  CHECK(snap1.count("writers/alice.html") == 1);
  CHECK(snap1.count("writers/bob.html") == 1);
  const std::string alice = Read(site + "/writers/alice.html");
  CHECK(alice.find("&lt;script&gt;document.title") != std::string::npos);
  CHECK(alice.find("<script") == std::string::npos);
  CHECK(Count(alice, "<circle class=\"pt\"") == 1);

  // Same data, two later runs: the site is left alone (same inodes and mtimes).
  for (const char* t : {"2026-02-02T00:00:00Z", "2026-02-03T00:00:00Z"}) {
    clock.Set(t);
    auto again = app::ScoreAndReport(w.db(), cfg, clock, **reporter);
    REQUIRE_OK(again);
    CHECK(again->emit.site_written == 0);
    CHECK(Changed(snap1, SiteFiles(site)).empty());
  }

  // A commit for bob: bob's page (with a second point) and the index, nothing else.
  w.Commit(2, "b2", 2, "2026-01-09T00:00:00Z");
  clock.Set("2026-02-04T00:00:00Z");
  auto changed = app::ScoreAndReport(w.db(), cfg, clock, **reporter);
  REQUIRE_OK(changed);
  CHECK(changed->emit.site_written == 2);
  CHECK(Changed(snap1, SiteFiles(site)) ==
        std::vector<std::string>{"index.html", "writers/bob.html"});
  const std::string bob = Read(site + "/writers/bob.html");
  CHECK(Count(bob, "<circle class=\"pt\"") == 2);
  CHECK(bob.find("data-run=\"1\" data-o=\"1.5\"") != std::string::npos);
  CHECK(bob.find("data-run=\"4\" data-o=\"3\"") != std::string::npos);
  const std::string index = Read(site + "/index.html");
  CHECK(index.find("data-v=\"1.5\" title=\"since run 4\">+1.5</td>") != std::string::npos);
  CHECK(index.find("Latest change: run 4, scored 2026-02-04T00:00:00Z") != std::string::npos);

  // A deleted page comes back even though nothing changed.
  REQUIRE(fs::remove(site + "/writers/alice.html"));
  auto back = app::ScoreAndReport(w.db(), cfg, clock, **reporter);
  REQUIRE_OK(back);
  CHECK(back->emit.site_written == 1);
  CHECK(Read(site + "/writers/alice.html") == alice);
}

TEST_CASE("with [reports] site = false no site is written, and turning it on writes it all") {
  TempDir tmp;
  CountsDb w;
  TwoWriters(w);
  config::Config cfg;
  cfg.reports.dir = tmp.file("reports");
  cfg.reports.site = false;
  ManualClock clock("2026-02-01T00:00:00Z");
  {
    auto reporter = report::Reporter::Open(cfg.reports);
    REQUIRE_OK(reporter);
    auto run = app::ScoreAndReport(w.db(), cfg, clock, **reporter);
    REQUIRE_OK(run);
    CHECK(run->emit.site_written == 0);
    CHECK(run->emit.files_written > 0);
    CHECK_FALSE(fs::exists(tmp.file("reports/site")));
  }
  cfg.reports.site = true;
  auto reporter = report::Reporter::Open(cfg.reports);
  REQUIRE_OK(reporter);
  auto on = app::ScoreAndReport(w.db(), cfg, clock, **reporter);
  REQUIRE_OK(on);
  CHECK(on->emit.files_written == 0);  // the text reports did not change
  CHECK(on->emit.site_written == 3);
  CHECK(fs::exists(tmp.file("reports/site/writers/bob.html")));
}

TEST_CASE("a site page that cannot be written fails the emission") {
  TempDir tmp;
  CountsDb w;
  TwoWriters(w);
  config::Config cfg;
  cfg.reports.dir = tmp.file("reports");
  fs::create_directories(tmp.file("reports"));
  REQUIRE_OK(report::WriteFileIfChanged(tmp.file("reports/site"), "a file, not a folder"));
  auto reporter = report::Reporter::Open(cfg.reports);
  REQUIRE_OK(reporter);
  ManualClock clock("2026-02-01T00:00:00Z");
  auto run = app::ScoreAndReport(w.db(), cfg, clock, **reporter);
  CHECK_FALSE(run.ok());
}
