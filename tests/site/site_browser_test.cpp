// The writer's view in headless Chromium: `ghharvest sync --once` and `ghharvest score` (the
// real binary) over a small synthetic world whose issue titles are hostile, then index.html
// and the top writer's page rendered with --dump-dom (and --screenshot, kept as artifacts).
// The DOM after scripts ran must show the database's numbers (writer_influence_history), the
// hostile titles as text with no script of theirs run, and no reference to anything but the
// URLs the data itself holds; tidy must find no error in the files.
#include <doctest/doctest.h>

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "check_ok.hpp"
#include "fake_server.hpp"
#include "files.hpp"
#include "ghharvest/store/database.hpp"
#include "run_ghharvest.hpp"
#include "test_config.hpp"
#include "world/github_handler.hpp"
#include "world/world.hpp"

using namespace ghharvest;
using namespace ghharvest::testing;
namespace fs = std::filesystem;

namespace {

const char* kScriptTitle =
    "<script>document.title='PWNED';document.body.dataset.pwned='1'</script>";
const char* kImgTitle = "\"><img src=x onerror=\"document.body.dataset.pwned='2'\">";

// The browser: Debian's chromium, or $GHH_CHROMIUM (e.g. a missing name, to see the skip).
std::string Chromium() {
  const char* env = std::getenv("GHH_CHROMIUM");
  return env && *env ? env : "chromium";
}

bool Installed(const std::string& program) {
  return std::system(fmt::format("command -v {} >/dev/null 2>&1", program).c_str()) == 0;
}

// Runs `cmd` through the shell; its exit code (-1 when killed) and what it printed.
struct Shell {
  int code = -1;
  std::string out;
};
Shell RunShell(const std::string& cmd) {
  TempDir dir;
  const int status = std::system((cmd + " >'" + dir.file("out") + "' 2>&1").c_str());
  return Shell{WIFEXITED(status) ? WEXITSTATUS(status) : -1, ReadFile(dir.file("out"))};
}

// Headless Chromium on a file: the DOM after its scripts ran, and a screenshot. Its own
// profile folder (no user's state, no first-run), no sandbox (containers and root have
// none), no GPU (none there).
std::string DumpDom(const std::string& html, const std::string& png) {
  TempDir profile;
  const std::string flags =
      "--headless --no-sandbox --disable-gpu --no-first-run "
      "--disable-extensions --user-data-dir='" +
      profile.path() + "'";
  const std::string url = "file://" + html;
  const Shell shot = RunShell("timeout -k 5 60 " + Chromium() + " " + flags +
                              " --window-size=1000,1400 --screenshot='" + png + "' '" + url + "'");
  INFO(shot.out);
  CHECK(shot.code == 0);
  CHECK(fs::exists(png));
  TempDir out;
  const int status = std::system(("timeout -k 5 60 " + Chromium() + " " + flags + " --dump-dom '" +
                                  url + "' >'" + out.file("dom") + "' 2>/dev/null")
                                     .c_str());
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  std::string dom = ReadFile(out.file("dom"));
  WriteFile(png.substr(0, png.size() - 4) + ".dom.html", dom);  // an artifact beside the PNG
  return dom;
}

// Artifacts that are only looked at: a page on a phone-sized window, in the dark colour
// scheme, and printed.
void ExtraScreenshots(const std::string& html, const std::string& stem) {
  TempDir profile;
  const std::string flags =
      "--headless --no-sandbox --disable-gpu --no-first-run "
      "--disable-extensions --user-data-dir='" +
      profile.path() + "'";
  for (const auto& [suffix, extra] : std::vector<std::pair<std::string, std::string>>{
           {"-phone", "--window-size=390,1400"},
           {"-dark", "--force-dark-mode --window-size=1000,1400"}}) {
    const std::string png = stem + suffix + ".png";
    const Shell shot = RunShell("timeout -k 5 60 " + Chromium() + " " + flags + " " + extra +
                                " --screenshot='" + png + "' 'file://" + html + "'");
    CHECK(shot.code == 0);
    CHECK(fs::exists(png));
  }
  // And printed (the print style sheet), as a PDF.
  const std::string pdf = stem + ".pdf";
  const Shell print =
      RunShell("timeout -k 5 60 " + Chromium() + " " + flags +
               " --no-pdf-header-footer --print-to-pdf='" + pdf + "' 'file://" + html + "'");
  CHECK(print.code == 0);
  CHECK(fs::exists(pdf));
}

// The dumped DOM, parsed, with XPath queries over it.
class Dom {
 public:
  explicit Dom(const std::string& html)
      : doc_(htmlReadMemory(html.data(), static_cast<int>(html.size()), "dom.html", "UTF-8",
                            HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET)),
        ctx_(doc_ ? xmlXPathNewContext(doc_) : nullptr) {
    REQUIRE(doc_ != nullptr);
    REQUIRE(ctx_ != nullptr);
  }
  ~Dom() {
    xmlXPathFreeContext(ctx_);
    xmlFreeDoc(doc_);
  }
  Dom(const Dom&) = delete;
  Dom& operator=(const Dom&) = delete;

  std::vector<xmlNodePtr> All(const std::string& xpath) const {
    std::vector<xmlNodePtr> out;
    xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST xpath.c_str(), ctx_);
    REQUIRE_MESSAGE(r != nullptr, xpath);
    if (r->nodesetval) {
      for (int i = 0; i < r->nodesetval->nodeNr; ++i) out.push_back(r->nodesetval->nodeTab[i]);
    }
    xmlXPathFreeObject(r);
    return out;
  }
  static std::string Attr(xmlNodePtr n, const char* name) {
    xmlChar* v = xmlGetProp(n, BAD_CAST name);
    std::string s = v ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    return s;
  }
  static std::string Text(xmlNodePtr n) {
    xmlChar* v = xmlNodeGetContent(n);
    std::string s = v ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    return s;
  }

 private:
  xmlDocPtr doc_;
  xmlXPathContextPtr ctx_;
};

struct HistoryRow {
  std::int64_t run = 0;
  double o = 0, total = 0;
  std::string best;
};

// writer_influence_history, per writer, by run.
std::map<std::string, std::vector<HistoryRow>> History(store::Database& db) {
  std::map<std::string, std::vector<HistoryRow>> out;
  auto st = db.Prepare(
      "SELECT writer, run, \"O\", total, COALESCE(best_project, '-') FROM writer_influence_history"
      " ORDER BY writer, run");
  REQUIRE_OK(st);
  store::StatementGuard g(**st);
  while (g->Step()) out[g->Text(0)].push_back({g->Int(1), g->Double(2), g->Double(3), g->Text(4)});
  REQUIRE_OK(g->status());
  return out;
}

// Every URL the database holds for a link: GitHub's html_url of repositories and items, and
// blog posts' URLs. A page may link to these and to its own pages, nothing else.
std::set<std::string> DataUrls(store::Database& db) {
  std::set<std::string> out;
  for (const char* sql :
       {"SELECT html_url FROM repos WHERE html_url IS NOT NULL",
        "SELECT html_url FROM issues WHERE html_url IS NOT NULL", "SELECT url FROM blog_posts"}) {
    auto st = db.Prepare(sql);
    REQUIRE_OK(st);
    store::StatementGuard g(**st);
    while (g->Step()) out.insert(g->Text(0));
    REQUIRE_OK(g->status());
  }
  return out;
}

// The reference rules, on any page: nothing is loaded (no element that fetches, no
// attribute that names a resource, no CSS url() or @import), no event handler attribute,
// links are <a href> only, to the site's own pages or to URLs the data holds; scripts only of
// our own (at most `max_scripts`, never with src).
void CheckReferences(const Dom& dom, const std::set<std::string>& data_urls,
                     std::size_t max_scripts) {
  CHECK(dom.All("//link | //img | //iframe | //object | //embed | //frame | //audio | //video | "
                "//source | //base | //form | //*[local-name()='image'] | "
                "//*[local-name()='use'] | //*[local-name()='foreignObject']")
            .empty());
  CHECK(dom.All("//script").size() <= max_scripts);
  for (xmlNodePtr attr : dom.All("//@*")) {
    const std::string name = reinterpret_cast<const char*>(attr->name);
    const std::string element = reinterpret_cast<const char*>(attr->parent->name);
    INFO(element, " ", name);
    CHECK(name.rfind("on", 0) != 0);
    CHECK(name != "src");
    CHECK(name != "srcset");
    CHECK(name != "poster");
    CHECK(name != "action");
    CHECK(name != "formaction");
    CHECK(name != "background");
    if (name.find("href") == std::string::npos) continue;
    CHECK(element == "a");
    CHECK(name == "href");
    const std::string href = Dom::Attr(attr->parent, "href");
    INFO(href);
    const bool own = href.find(':') == std::string::npos && href.rfind("//", 0) != 0 &&
                     href.size() > 5 && href.substr(href.size() - 5) == ".html";
    CHECK((own || data_urls.count(href) == 1));
    if (!own) CHECK(Dom::Attr(attr->parent, "rel").find("noreferrer") != std::string::npos);
  }
  for (xmlNodePtr n : dom.All("//style | //*[@style]")) {
    const std::string css = Dom::Text(n) + Dom::Attr(n, "style");
    CHECK(css.find("url(") == std::string::npos);
    CHECK(css.find("@import") == std::string::npos);
  }
  const auto csp = dom.All("//meta[@http-equiv='Content-Security-Policy']");
  REQUIRE(csp.size() == 1);
  CHECK(Dom::Attr(csp[0], "content").rfind("default-src 'none';", 0) == 0);
}

// No script from the data ran: the marks its hostile titles would leave are absent.
void CheckNothingRan(const Dom& dom) {
  CHECK(dom.All("//body[@data-pwned]").empty());
  const auto title = dom.All("//head/title");
  REQUIRE(title.size() == 1);
  CHECK(Dom::Text(title[0]).find("PWNED") == std::string::npos);
}

void CheckTidy(const std::string& path) {
  const Shell tidy = RunShell("tidy -errors -q '" + path + "'");
  INFO(path, "\n", tidy.out);
  CHECK(tidy.code < 2);  // 2: errors; 1: warnings only
  CHECK(tidy.out.empty());
}

double Num(const std::string& s) {
  REQUIRE_FALSE(s.empty());
  return std::stod(s);
}

}  // namespace

TEST_CASE("the site in headless Chromium shows the database's numbers and data only as text") {
  // Without a browser the test cannot say anything: skipped, loudly (ctest shows it as not
  // run). Everything else it needs is required.
  if (!Installed(Chromium())) {
    MESSAGE("SKIPPED: chromium is not installed (" << Chromium()
                                                   << " not found; scripts/install-deps.sh)");
    return;
  }
  REQUIRE_MESSAGE(Installed("tidy"), "tidy is not installed (scripts/install-deps.sh)");
  const std::string artifacts = fs::absolute("artifacts").string();
  fs::remove_all(artifacts);
  fs::create_directories(artifacts);

  TempDir dir;
  WorldSpec spec;
  spec.seed = 16;
  spec.writers = 3;
  spec.projects = 3;
  spec.items = 600;
  auto world = std::make_shared<World>(spec);
  // Every issue and pull request gets a hostile title, so the best project's items carry them.
  world->Write([](WorldModel& m) {
    for (WorldRepo& repo : m.repos) {
      for (std::size_t i = 0; i < repo.issues.size(); ++i) {
        repo.issues[i].title = i % 2 ? kImgTitle : kScriptTitle;
      }
    }
    return 0;
  });
  auto base = std::make_shared<std::string>();
  GitHubHandler github(world, [base] { return *base; });
  FakeServer server([&](const HttpRequest& req) { return github(req); });
  *base = server.base_url();

  const std::string db_path = dir.file("ghharvest.db");
  const std::string reports = dir.file("reports");
  TestConfig c;
  c.Set("github", "api_url", server.base_url())
      .Set("github", "token_env", "GHH_SITE_TOKEN")
      .Set("storage", "database", db_path)
      .Set("reports", "dir", reports);
  for (const auto& [login, repos] : world->WriterProjects()) c.Writer(login, repos);
  const std::string config = c.Write(dir.file("ghharvest.toml"));

  // Two harvests with activity between them, each scored: two runs of history.
  for (int round = 0; round < 2; ++round) {
    if (round > 0) {
      AdvanceSpec a;
      a.new_items = 150;
      a.merges = 5;
      world->Advance(a);
    }
    const Ran sync = RunGhharvest("sync --once -c '" + config + "'", "GHH_SITE_TOKEN=t");
    INFO(sync.out, sync.err);
    REQUIRE(sync.code == 0);
    const Ran score = RunGhharvest("score -c '" + config + "'");
    INFO(score.out, score.err);
    REQUIRE(score.code == 0);
  }
  const std::string index = reports + "/site/index.html";
  REQUIRE(fs::exists(index));

  auto db = store::Database::Open(db_path);
  REQUIRE_OK(db);
  const auto history = History(**db);
  const std::set<std::string> data_urls = DataUrls(**db);
  REQUIRE(history.size() == 3);
  auto latest_run =
      (*db)->QueryInt("SELECT MAX(run) FROM score_runs WHERE finished_at IS NOT NULL");
  REQUIRE_OK(latest_run);
  REQUIRE(latest_run->value_or(0) == 2);

  // The index: one row per writer with the latest run's O, Total and best project.
  std::string top_writer;
  {
    const Dom dom(DumpDom(index, artifacts + "/index.png"));
    const auto rows = dom.All("//table[@id='writers']/tbody/tr");
    CHECK(rows.size() == history.size());
    double previous_o = INFINITY;
    for (xmlNodePtr tr : rows) {
      const std::string writer = Dom::Attr(tr, "data-writer");
      INFO(writer);
      REQUIRE(history.count(writer) == 1);
      const HistoryRow& now = history.at(writer).back();
      CHECK(now.run == 2);
      std::vector<xmlNodePtr> cells;
      for (xmlNodePtr n = tr->children; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) cells.push_back(n);
      }
      REQUIRE(cells.size() == 5);
      CHECK(Dom::Text(cells[0]) == writer);
      CHECK(Num(Dom::Attr(cells[1], "data-v")) == now.o);  // exactly the stored double
      CHECK(std::fabs(Num(Dom::Text(cells[1])) - now.o) <= 0.005 + 1e-9);
      CHECK(Dom::Text(cells[2]) == now.best);
      CHECK(Num(Dom::Attr(cells[3], "data-v")) == now.total);
      CHECK(std::fabs(Num(Dom::Text(cells[3])) - now.total) <= 0.005 + 1e-9);
      CHECK(now.o <= previous_o);  // highest O first
      previous_o = now.o;
      if (top_writer.empty()) top_writer = writer;
    }
    CheckReferences(dom, data_urls, 1);
    CheckNothingRan(dom);
    fs::copy_file(index, artifacts + "/index.html", fs::copy_options::overwrite_existing);
  }

  // The top writer's page: the chart's points are the runs where its numbers changed, each
  // equal to writer_influence_history, and every kept run reads as the last point before it.
  REQUIRE_FALSE(top_writer.empty());
  const std::string page = reports + "/site/writers/" + top_writer + ".html";
  {
    const Dom dom(DumpDom(page, artifacts + "/writer.png"));
    const std::vector<HistoryRow>& rows = history.at(top_writer);
    std::map<std::int64_t, HistoryRow> by_run;
    for (const HistoryRow& r : rows) by_run[r.run] = r;
    const auto points =
        dom.All("//*[local-name()='svg'][@class='chart']//*[local-name()='circle']");
    REQUIRE_FALSE(points.empty());
    std::vector<std::pair<std::int64_t, double>> chart;
    for (xmlNodePtr p : points) {
      chart.emplace_back(std::stoll(Dom::Attr(p, "data-run")), Num(Dom::Attr(p, "data-o")));
    }
    CHECK(chart.front().first == rows.front().run);
    for (std::size_t i = 0; i < chart.size(); ++i) {
      const std::int64_t run = chart[i].first;
      INFO("run ", run);
      REQUIRE(by_run.count(run) == 1);
      CHECK(chart[i].second == by_run[run].o);
      if (i > 0) CHECK(run > chart[i - 1].first);
    }
    for (const HistoryRow& r : rows) {
      double shown = NAN;
      for (const auto& [run, o] : chart) {
        if (run <= r.run) shown = o;
      }
      INFO("run ", r.run);
      CHECK(shown == r.o);
    }
    // The table under the chart holds the same points.
    const auto table = dom.All("//table[@id='history']/tbody/tr");
    REQUIRE(table.size() == chart.size());
    for (std::size_t i = 0; i < table.size(); ++i) {
      CHECK(std::stoll(Dom::Attr(table[i], "data-run")) == chart[i].first);
    }
    // The bars: one per project, each part of O as writer_project_score_history has it.
    {
      auto st = (*db)->Prepare(
          "SELECT project, k * \"P\", \"I\", \"C\", \"T\", \"O\" FROM "
          "writer_project_score_history WHERE run = ?1 AND writer = ?2");
      REQUIRE_OK(st);
      store::StatementGuard g(**st);
      g->Bind(1, std::int64_t{2}).Bind(2, top_writer);
      std::map<std::string, std::vector<double>> parts;
      while (g->Step()) {
        parts[g->Text(0)] = {g->Double(1), g->Double(2), g->Double(3), g->Double(4), g->Double(5)};
      }
      REQUIRE_OK(g->status());
      REQUIRE_FALSE(parts.empty());
      const auto bars = dom.All("//*[local-name()='g'][@class='bar']");
      CHECK(bars.size() == parts.size());
      for (xmlNodePtr bar : bars) {
        const std::string project = Dom::Attr(bar, "data-project");
        INFO(project);
        REQUIRE(parts.count(project) == 1);
        const std::vector<double>& want = parts[project];
        CHECK(Num(Dom::Attr(bar, "data-o")) == want[4]);
        std::vector<double> got;
        for (xmlNodePtr n = bar->children; n; n = n->next) {
          if (n->type == XML_ELEMENT_NODE && Dom::Attr(n, "data-v") != "") {
            got.push_back(Num(Dom::Attr(n, "data-v")));
          }
        }
        CHECK(got == std::vector<double>(want.begin(), want.begin() + 4));
      }
    }
    // The SVGs say what they show.
    for (const char* svg : {"chart", "bars"}) {
      const std::string q = std::string("//*[local-name()='svg'][@class='") + svg + "']";
      CHECK(dom.All(q + "/*[local-name()='title']").size() == 1);
      CHECK(dom.All(q + "/*[local-name()='desc']").size() == 1);
    }
    // The hostile titles, as text.
    const auto body = dom.All("//body");
    REQUIRE(body.size() == 1);
    const std::string text = Dom::Text(body[0]);
    CHECK(text.find(kScriptTitle) != std::string::npos);
    CHECK(text.find(kImgTitle) != std::string::npos);
    CHECK(dom.All("//li/a").size() > 0);
    CheckReferences(dom, data_urls, 0);
    CheckNothingRan(dom);
    fs::copy_file(page, artifacts + "/writer.html", fs::copy_options::overwrite_existing);
  }

  ExtraScreenshots(page, artifacts + "/writer");
  CheckTidy(index);
  CheckTidy(page);

  // A scoring run with nothing new touches no page.
  std::map<std::string, std::int64_t> mtimes;
  for (const auto& e : fs::recursive_directory_iterator(reports + "/site")) {
    struct stat st;
    REQUIRE(::stat(e.path().c_str(), &st) == 0);
    mtimes[e.path()] = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
  }
  const Ran again = RunGhharvest("score -c '" + config + "'");
  REQUIRE(again.code == 0);
  for (const auto& [path, mtime] : mtimes) {
    struct stat st;
    REQUIRE(::stat(path.c_str(), &st) == 0);
    const std::string shown = path;
    INFO(shown);
    CHECK(st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec == mtime);
  }
}
