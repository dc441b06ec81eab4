#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>
#include "check_ok.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "emit_via.hpp"
#include "ghharvest/report/files.hpp"
#include "ghharvest/report/format.hpp"
#include "ghharvest/report/reporter.hpp"
#include "score_test_db.hpp"
#include "test_paths.hpp"

using namespace ghharvest;
using ghharvest::testing::CountsDb;
using ghharvest::testing::ManualClock;
using ghharvest::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// One writer whose numbers follow `n`, so every run changes them.
score::ScoreRun RunWith(std::int64_t run_no, int n) {
  config::ScoringConfig sc;
  score::ScoreRun run;
  run.run = run_no;
  run.finished_at = "2026-02-01T00:00:00Z";
  score::WriterScore ws;
  ws.writer = "alice";
  score::ProjectScore ps;
  ps.project = "octo/alpha";
  ps.counts[score::Count::kCommits] = n;
  ps.counts[score::Count::kIssueComments] = n % 7;
  score::ScoreProject(sc, ps);
  ws.projects.push_back(ps);
  score::FinishWriter(ws);
  run.writers.push_back(ws);
  return run;
}

std::string Read(const std::string& path) {
  auto r = report::ReadWholeFile(path);
  REQUIRE_OK(r);
  REQUIRE(r->has_value());
  return **r;
}

int Lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

// A folder on tmpfs when there is one: the 1,000-run test measures atomicity, not disks.
class FastDir {
 public:
  FastDir() {
    std::random_device rd;
    const fs::path base =
        fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    path_ = (base / ("ghharvest-test-" + std::to_string(rd()))).string();
    fs::create_directories(path_);
  }
  ~FastDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

TEST_CASE("numbers print as integers without a fraction, others with at most 2 decimals") {
  CHECK(report::FormatNumber(0) == "0");
  CHECK(report::FormatNumber(-0.0) == "0");
  CHECK(report::FormatNumber(56) == "56");
  CHECK(report::FormatNumber(45.5) == "45.5");
  CHECK(report::FormatNumber(2.6) == "2.6");
  CHECK(report::FormatNumber(1.0 / 3) == "0.33");
  CHECK(report::FormatNumber(2.0 / 3) == "0.67");
  CHECK(report::FormatNumber(44.9999999) == "45");
  CHECK(report::FormatNumber(0.001) == "0");
  CHECK(report::FormatNumber(-1.25) == "-1.25");
  CHECK(report::FormatNumber(1e6) == "1000000");
  CHECK(report::FormatNumber(0.1 + 0.2) == "0.3");
}

TEST_CASE("JSON strings escape quotes, backslashes and control characters") {
  CHECK(report::JsonString("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\u000a\\u0001\"");
}

TEST_CASE("blog slugs are lower-case letters, digits and single hyphens") {
  CHECK(report::BlogSlug("octo/Hello_World.js") == "contributing-to-hello-world-js");
  CHECK(report::BlogSlug("octo/--x--") == "contributing-to-x");
  CHECK(report::BlogSlug("octo/___") == "contributing-to");
}

TEST_CASE("blog titles from data cannot break the Markdown or its front matter") {
  report::BlogInputs in;
  in.writer = "alice";
  in.project = "octo/alpha";
  report::BlogItem it;
  it.number = 7;
  it.is_pull = true;
  it.title = "Fix [x](javascript:evil)\n# heading";
  it.html_url = "https://example.test/7) [y](z";
  it.merged_at = "2026-01-02T00:00:00Z";
  in.merged.push_back(it);
  const std::string md = report::BlogMarkdown(in);
  CHECK(md.find("- PR #7: Fix \\[x\\](javascript:evil) # heading (merged 2026-01-02)\n") !=
        std::string::npos);
  CHECK(md.find("date: 1970-01-01\n") != std::string::npos);
  CHECK(md == report::BlogMarkdown(in));  // deterministic
}

TEST_CASE("influence.jsonl rotates by size and keeps jsonl_keep old files") {
  TempDir tmp;
  CountsDb w;
  config::ReportsConfig rc;
  rc.dir = tmp.file("reports");
  rc.jsonl_max_bytes = 1000;
  rc.jsonl_keep = 2;
  auto reporter = report::Reporter::Open(rc);
  REQUIRE_OK(reporter);
  ManualClock clock("2026-02-01T00:00:00Z");
  const int runs = 40;
  for (int i = 1; i <= runs; ++i) {
    auto st = ghharvest::testing::EmitVia(**reporter, w.db(), RunWith(i, i), clock);
    REQUIRE_MESSAGE(st.ok(), st.status().ToString());
    REQUIRE(st->jsonl_lines == 1);
  }
  const std::string base = rc.dir + "/influence.jsonl";
  CHECK_FALSE(fs::exists(base + ".3"));
  std::string all;
  for (const std::string& p : {base + ".2", base + ".1", base}) {
    std::string s = Read(p);
    CHECK(s.size() <= 1000);
    CHECK(!s.empty());
    CHECK(s.back() == '\n');
    all += s;
  }
  // The three files hold the newest runs, in order, ending with the last one.
  const int kept = Lines(all);
  CHECK(kept < runs);
  CHECK(all.find("\"run\":" + std::to_string(runs) + ",") != std::string::npos);
  std::size_t pos = 0;
  for (int r = runs - kept + 1; r <= runs; ++r) {
    std::size_t at = all.find("\"run\":" + std::to_string(r) + ",", pos);
    REQUIRE(at != std::string::npos);
    pos = at;
  }
}

TEST_CASE("with jsonl_keep 0 a full influence.jsonl starts over") {
  TempDir tmp;
  CountsDb w;
  config::ReportsConfig rc;
  rc.dir = tmp.file("reports");
  rc.jsonl_max_bytes = 300;
  rc.jsonl_keep = 0;
  auto reporter = report::Reporter::Open(rc);
  REQUIRE_OK(reporter);
  ManualClock clock("2026-02-01T00:00:00Z");
  for (int i = 1; i <= 5; ++i)
    REQUIRE_OK(ghharvest::testing::EmitVia(**reporter, w.db(), RunWith(i, i), clock));
  CHECK(Lines(Read(rc.dir + "/influence.jsonl")) == 1);
  CHECK_FALSE(fs::exists(rc.dir + "/influence.jsonl.1"));
}

TEST_CASE("Reopen lets logrotate move influence.jsonl away, new lines go to a new file") {
  TempDir tmp;
  CountsDb w;
  config::ReportsConfig rc;
  rc.dir = tmp.file("reports");
  auto reporter = report::Reporter::Open(rc);
  REQUIRE_OK(reporter);
  ManualClock clock("2026-02-01T00:00:00Z");
  REQUIRE_OK(ghharvest::testing::EmitVia(**reporter, w.db(), RunWith(1, 1), clock));
  const std::string base = rc.dir + "/influence.jsonl";
  fs::rename(base, base + ".old");
  REQUIRE_OK(ghharvest::testing::EmitVia(**reporter, w.db(), RunWith(2, 2),
                                         clock));  // still the moved file
  CHECK(Lines(Read(base + ".old")) == 2);
  CHECK_FALSE(fs::exists(base));
  REQUIRE_OK((*reporter)->Reopen());
  REQUIRE_OK(ghharvest::testing::EmitVia(**reporter, w.db(), RunWith(3, 3), clock));
  CHECK(Lines(Read(base + ".old")) == 2);
  CHECK(Lines(Read(base)) == 1);
  CHECK(Read(base).find("\"run\":3,") != std::string::npos);
}

TEST_CASE("Reopen fails cleanly when the reports folder is gone") {
  TempDir tmp;
  config::ReportsConfig rc;
  rc.dir = tmp.file("reports");
  auto reporter = report::Reporter::Open(rc);
  REQUIRE_OK(reporter);
  fs::remove_all(rc.dir);
  CHECK_FALSE((*reporter)->Reopen().ok());
}

TEST_CASE("readers tailing influence.jsonl get whole lines, readers of total files whole files") {
  FastDir tmp;
  CountsDb w;
  config::ReportsConfig rc;
  rc.dir = tmp.path() + "/reports";
  rc.jsonl_max_bytes = 1 << 30;
  auto reporter = report::Reporter::Open(rc);
  REQUIRE_OK(reporter);
  ManualClock clock("2026-02-01T00:00:00Z");
  REQUIRE_OK(ghharvest::testing::EmitVia(**reporter, w.db(), RunWith(1, 1), clock));

  std::atomic<bool> done{false};
  std::atomic<int> partial_lines{0}, partial_files{0}, reads{0}, lines_seen{0};
  std::thread tail([&] {
    int fd = ::open((rc.dir + "/influence.jsonl").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      ++partial_lines;
      return;
    }
    // As tail -F and log shippers do: keep bytes until their newline. Linux does not make
    // a read() atomic against a concurrent write() that spans a page boundary, so a raw read
    // may end mid-line (about 3 in 1,000 here); what must hold is that every line, once
    // complete, is one whole object and lines never interleave.
    char buf[1 << 16];
    std::string pending;
    for (;;) {
      const bool last = done.load();
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
          const std::string line = pending.substr(0, nl);
          pending.erase(0, nl + 1);
          if (line.rfind("{\"ts\":", 0) != 0 || line.back() != '}' ||
              line.find("{\"ts\":", 1) != std::string::npos ||
              line.find("\"writer\":\"alice\"") == std::string::npos) {
            ++partial_lines;
          }
          ++lines_seen;
        }
        continue;
      }
      if (last) break;
      std::this_thread::yield();
    }
    if (!pending.empty()) ++partial_lines;  // the file must end with a whole line
    ::close(fd);
  });
  std::thread files([&] {
    const std::string path = rc.dir + "/total_influences/alice.txt";
    while (!done.load()) {
      auto r = report::ReadWholeFile(path);
      if (!r.ok() || !r->has_value()) {
        ++partial_files;
        continue;
      }
      const std::string& s = **r;
      if (s.rfind("Total Influence Count: ", 0) != 0 || Lines(s) != 3 ||
          s.find("\nBest Project: octo/alpha\n") == std::string::npos) {
        ++partial_files;
      }
      ++reads;
    }
  });
  const int runs = 1000;
  int failed_emits = 0;
  for (int i = 2; i <= runs; ++i) {
    auto st = ghharvest::testing::EmitVia(**reporter, w.db(), RunWith(i, i), clock);
    if (!st.ok() || st->jsonl_lines != 1) ++failed_emits;
  }
  done = true;
  tail.join();
  files.join();
  CHECK(failed_emits == 0);
  CHECK(partial_lines.load() == 0);
  CHECK(partial_files.load() == 0);
  CHECK(lines_seen.load() == runs);
  CHECK(reads.load() > 0);
  CHECK(Lines(Read(rc.dir + "/influence.jsonl")) == runs);
}
