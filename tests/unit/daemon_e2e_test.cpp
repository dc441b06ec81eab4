// The whole product as an operator runs it: the synthetic GitHub on loopback (in this
// process, so the test can advance the world and read its truth) and `ghharvest run` as a
// separate process. Counts and reports are checked against the world's truth, the world
// advances and the reports follow, SIGHUP with a broken then a good config, SIGTERM, and
// finally kill -9 in the middle of a harvest and a restart: nothing lost, no duplicates.
#include <doctest/doctest.h>

#include "check_ok.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon_process.hpp"
#include "fake_server.hpp"
#include "files.hpp"
#include "ghharvest/store/database.hpp"
#include "harvest_harness.hpp"
#include "test_config.hpp"
#include "test_paths.hpp"
#include "world/github_handler.hpp"
#include "world/world.hpp"

namespace gh = ghharvest;
namespace fs = std::filesystem;
using gh::testing::CountsRow;
using gh::testing::ReadFile;
using gh::testing::WriteFile;
using namespace std::chrono_literals;

namespace {

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::int64_t RealNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `ghharvest run` as a child process, its stderr in a file, with the token the config names.
struct Daemon : gh::testing::DaemonProcess {
  Daemon(std::string config, std::string log)
      : DaemonProcess(std::move(config), std::move(log), {{"GHH_E2E_TOKEN", "e2e-token"}}) {}
};

using gh::testing::WaitUntil;

class World {
 public:
  World() {
    gh::testing::WorldSpec spec;
    spec.seed = 23;
    spec.writers = 3;
    spec.projects = 4;
    spec.items = 2500;
    spec.now = RealNow();
    world_ = std::make_shared<gh::testing::World>(spec);
    gh::testing::GitHubHandlerOptions ho;
    ho.core_limit = 100000000;
    ho.search_limit = 100000000;
    // Slow enough that a harvest of new activity spans many round trips (kill -9 lands
    // inside one), fast enough for the whole test to take seconds.
    ho.latency = 15ms;
    handler_ = std::make_unique<gh::testing::GitHubHandler>(
        world_, [base = base_] { return *base; }, ho);
    server_ = std::make_unique<gh::testing::FakeServer>(*handler_, 4);
    *base_ = server_->base_url();
    auto projects = world_->WriterProjects();
    for (const auto& login : world_->WriterConfigLogins()) {
      writers_.emplace_back(login, projects[login]);
      for (const auto& r : projects[login]) listed_.insert(Lower(r));
    }
  }

  // `database`: where the database goes (default: ghharvest.db in the test's folder).
  std::string Config(const std::string& poll = "2s", const std::string& database = "") const {
    gh::testing::TestConfig c;
    c.Set("github", "api_url", server_->base_url())
        .Set("github", "token_env", "GHH_E2E_TOKEN")
        .Set("storage", "database", database.empty() ? dir_.file("ghharvest.db") : database)
        .Set("reports", "dir", reports())
        .Set("schedule", "poll_interval", poll)
        .Set("schedule", "score_interval", "4s");
    for (const auto& [login, repos] : writers_) c.Writer(login, repos);
    return c.Text();
  }

  // Every configured writer is counted in every crawled project (see harvest_sync_test).
  std::vector<CountsRow> Truth() const {
    gh::testing::TruthOptions opt;
    std::map<std::string, std::vector<std::string>> per;
    for (const auto& [login, repos] : writers_) per[login] = {listed_.begin(), listed_.end()};
    opt.repos_per_writer = per;
    auto rows = world_->TruthCounts(world_->WriterConfigLogins(), opt);
    gh::testing::SortCounts(rows);
    return rows;
  }

  std::vector<CountsRow> Stored(const std::string& database = "") const {
    gh::store::OpenOptions o;
    o.read_only = true;
    o.apply_migrations = false;
    auto db = gh::store::Database::Open(database.empty() ? dir_.file("ghharvest.db") : database, o);
    if (!db.ok()) return {};
    auto rows = gh::testing::StoredCounts(**db);
    return rows.ok() ? *rows : std::vector<CountsRow>{};
  }

  static bool SameCounts(const std::vector<CountsRow>& a, const std::vector<CountsRow>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      CountsRow x = a[i], y = b[i];
      x.writer = Lower(x.writer);
      y.writer = Lower(y.writer);
      x.project = Lower(x.project);
      y.project = Lower(y.project);
      if (!(x == y)) return false;
    }
    return true;
  }

  std::int64_t DuplicateRows() const {
    gh::store::OpenOptions o;
    o.read_only = true;
    o.apply_migrations = false;
    auto db = gh::store::Database::Open(dir_.file("ghharvest.db"), o);
    REQUIRE_OK(db);
    auto dup = gh::testing::DuplicateRows(**db);
    REQUIRE_OK(dup);
    return *dup;
  }

  void Advance(int items) {
    gh::testing::AdvanceSpec a;
    a.seconds = std::max<std::int64_t>(1, RealNow() - world_->Now());
    a.new_items = items;
    a.edits = items / 5;
    a.new_reactions = items / 2;
    a.removed_reactions = items / 10;
    a.merges = std::max(1, items / 50);
    world_->Advance(a);
  }

  const gh::testing::TempDir& dir() const { return dir_; }
  std::string reports() const { return dir_.file("reports"); }
  const std::vector<std::pair<std::string, std::vector<std::string>>>& writers() const {
    return writers_;
  }

 private:
  gh::testing::TempDir dir_;
  std::shared_ptr<std::string> base_ = std::make_shared<std::string>();
  std::shared_ptr<gh::testing::World> world_;
  std::unique_ptr<gh::testing::GitHubHandler> handler_;
  std::unique_ptr<gh::testing::FakeServer> server_;
  std::vector<std::pair<std::string, std::vector<std::string>>> writers_;
  std::set<std::string> listed_;
};

// "Feedback Count" per (writer, project) from contributions/<owner>/<repo>/<writer>_<repo>.txt
std::map<std::pair<std::string, std::string>, std::int64_t> ContributionFeedback(
    const std::string& reports) {
  std::map<std::pair<std::string, std::string>, std::int64_t> out;
  fs::path root = fs::path(reports) / "contributions";
  if (!fs::exists(root)) return out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().extension() != ".txt") continue;
    std::string name = e.path().filename().string();
    std::string writer = name.substr(0, name.find('_'));  // logins have no '_'
    std::string text = ReadFile(e.path().string());
    std::string project;
    std::int64_t feedback = -1;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("Project: ", 0) == 0) project = line.substr(9);
      if (line.rfind("Feedback Count: ", 0) == 0) feedback = std::stoll(line.substr(16));
    }
    out[{Lower(writer), Lower(project)}] = feedback;
  }
  return out;
}

std::string Snapshot(const std::string& reports) {
  std::string all;
  fs::path root = fs::path(reports) / "total_influences";
  if (!fs::exists(root)) return all;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(root)) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) all += f + "\n" + ReadFile(f);
  return all;
}

}  // namespace

TEST_CASE(
    "ghharvest run keeps reports equal to the synthetic GitHub through changes, reloads, "
    "SIGTERM and kill -9") {
  World world;
  const std::string config = world.dir().file("ghharvest.toml");
  WriteFile(config, world.Config());
  Daemon daemon(config, world.dir().file("daemon.log"));
  daemon.Start();

  // 1. The first cycles: counts equal the truth, and the reports say the same.
  bool equal = WaitUntil([&] { return World::SameCounts(world.Stored(), world.Truth()); }, 90s);
  if (!equal) MESSAGE(ReadFile(daemon.log()));
  REQUIRE(equal);
  auto truth = world.Truth();
  REQUIRE(
      WaitUntil([&] { return ContributionFeedback(world.reports()).size() >= truth.size(); }, 30s));
  auto feedback = ContributionFeedback(world.reports());
  for (const auto& row : truth) {
    CAPTURE(row.ToString());
    auto it = feedback.find({Lower(row.writer), Lower(row.project)});
    REQUIRE(it != feedback.end());
    CHECK(it->second == row.feedback_received + row.reactions_received);
  }
  // A writer's total file is written after its contribution files: wait for it too.
  for (const auto& writer : world.writers()) {
    // A copy, not a structured binding: clang 14 cannot capture one in a lambda.
    const std::string login = writer.first;
    CAPTURE(login);
    CHECK(WaitUntil(
        [&] {
          const fs::path totals = fs::path(world.reports()) / "total_influences";
          if (!fs::exists(totals)) return false;
          for (const auto& e : fs::directory_iterator(totals)) {
            if (Lower(e.path().stem().string()) == Lower(login)) return true;
          }
          return false;
        },
        30s));
  }
  REQUIRE(fs::exists(fs::path(world.reports()) / "influence.jsonl"));

  // 2. The world moves on; the daemon's next cycles bring counts and reports along.
  std::string before = Snapshot(world.reports());
  world.Advance(300);
  REQUIRE(WaitUntil([&] { return World::SameCounts(world.Stored(), world.Truth()); }, 60s));
  REQUIRE(WaitUntil([&] { return Snapshot(world.reports()) != before; }, 30s));

  // 3. SIGHUP with a broken config: refused, still running with the old one. The JSONL log,
  // moved away as logrotate does, is reopened all the same.
  const fs::path jsonl = fs::path(world.reports()) / "influence.jsonl";
  fs::rename(jsonl, jsonl.string() + ".1");
  WriteFile(config, "[schedule\npoll_interval = \"2s\n");
  daemon.Signal(SIGHUP);
  REQUIRE(WaitUntil([&] { return daemon.CountInLog("config reload refused") == 1; }, 20s));
  CHECK(WaitUntil([&] { return fs::exists(jsonl); }, 10s));
  int finished = daemon.CountInLog("harvest finished");
  REQUIRE(WaitUntil([&] { return daemon.CountInLog("harvest finished") > finished; }, 20s));
  CHECK(daemon.Alive());

  // 4. SIGHUP with a good config: applied (a new poll interval, the same writers).
  WriteFile(config, world.Config("3s"));
  daemon.Signal(SIGHUP);
  REQUIRE(WaitUntil([&] { return daemon.CountInLog("config reloaded") == 1; }, 20s));
  CHECK(daemon.CountInLog("poll_interval_s=3") == 1);
  CHECK(daemon.Alive());

  // 5. SIGTERM: exit 0 within 5 s.
  auto t0 = std::chrono::steady_clock::now();
  daemon.Signal(SIGTERM);
  CHECK(daemon.WaitExit(5s) == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);

  // 6. kill -9 in the middle of a harvest, then a restart: nothing lost, no duplicates.
  world.Advance(1500);
  Daemon crashed(config, world.dir().file("daemon2.log"));
  crashed.Start();
  // A repository's crawl (a writer's lookup is one request: it may well end first).
  REQUIRE(WaitUntil([&] { return crashed.CountInLog("harvest started scope=repo:") >= 1; }, 30s));
  std::this_thread::sleep_for(60ms);
  crashed.Signal(SIGKILL);
  CHECK(crashed.WaitExit(5s) == -1);  // died by the signal
  // It really died mid-crawl: a repository's harvest had started and not finished (some of
  // its pages were committed).
  CHECK(crashed.CountInLog("harvest finished scope=repo:") <
        crashed.CountInLog("harvest started scope=repo:"));

  Daemon restarted(config, world.dir().file("daemon3.log"));
  restarted.Start();
  equal = WaitUntil([&] { return World::SameCounts(world.Stored(), world.Truth()); }, 90s);
  if (!equal) MESSAGE(ReadFile(restarted.log()));
  CHECK(equal);
  CHECK(world.DuplicateRows() == 0);
  restarted.Signal(SIGTERM);
  CHECK(restarted.WaitExit(5s) == 0);
}

TEST_CASE("a database file that is not a database stops ghharvest run with exit status 74") {
  gh::testing::TempDir dir;
  {
    std::ofstream db(dir.file("ghharvest.db"), std::ios::binary);
    db << std::string("SQLite format 3") << '\0';
    for (int i = 0; i < 4096; ++i) db << static_cast<char>((i * 131 + 7) & 0xff);
  }
  gh::testing::TestConfig()
      .Set("github", "api_url", "http://127.0.0.1:9")
      .Set("github", "token_env", "GHH_E2E_TOKEN")
      .Set("storage", "database", dir.file("ghharvest.db"))
      .Writer("alice")
      .Write(dir.file("c.toml"));
  Daemon daemon(dir.file("c.toml"), dir.file("daemon.log"));
  daemon.Start();
  CHECK(daemon.WaitExit(10s) == 74);
  CHECK(daemon.CountInLog("not a database") == 1);
}

TEST_CASE("an unreachable GitHub never stops ghharvest run") {
  gh::testing::TempDir dir;
  gh::testing::TestConfig()
      .Set("github", "api_url", "http://127.0.0.1:9")
      .Set("github", "token_env", "GHH_E2E_TOKEN")
      .Set("github", "max_retries", 0)
      .Set("schedule", "poll_interval", "1s")
      .Writer("alice")
      .Write(dir.file("c.toml"));
  Daemon daemon(dir.file("c.toml"), dir.file("daemon.log"));
  daemon.Start();
  REQUIRE(WaitUntil(
      [&] {
        return daemon.CountInLog("harvest finished") + daemon.CountInLog("harvest failed") >= 3;
      },
      30s));
  CHECK(daemon.Alive());
  daemon.Signal(SIGTERM);
  CHECK(daemon.WaitExit(5s) == 0);
}

namespace {

// A tmpfs of `bytes` at `dir`, unmounted on destruction. Mounting needs root (CI runs as
// root); elsewhere mounted() is false and the test says it skipped.
class SmallDisk {
 public:
  SmallDisk(const std::string& dir, std::size_t bytes) : dir_(dir) {
    fs::create_directories(dir);
    const std::string opts = "size=" + std::to_string(bytes) + ",mode=0755";
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

std::string IntegrityCheck(const std::string& path) {
  auto db = gh::store::Database::Open(path);
  if (!db.ok()) return db.status().ToString();
  auto st = (*db)->Prepare("PRAGMA integrity_check");
  if (!st.ok()) return st.status().ToString();
  gh::store::StatementGuard g(**st);
  std::string out;
  while (g->Step()) out += g->Text(0);
  return g->status().ok() ? out : g->status().ToString();
}

// Copies the database with its WAL, so it can be opened where there is room.
void CopyDatabase(const std::string& from, const std::string& to) {
  for (const char* suffix : {"", "-wal"}) {
    const std::string f = from + suffix;
    if (fs::exists(f)) fs::copy_file(f, to + suffix, fs::copy_options::overwrite_existing);
  }
}

}  // namespace

TEST_CASE(
    "a disk that fills mid-sync stops ghharvest run with exit 74 and leaves the database intact") {
  World world;
  const std::string small = world.dir().file("small");
  // Room for the schema and some pages, not for the whole harvest.
  SmallDisk disk(small, 640 * 1024);
  if (!disk.mounted()) {
    MESSAGE("skipped: mounting a small tmpfs needs root");
    return;
  }
  const std::string db = small + "/ghharvest.db";
  const std::string config = world.dir().file("small.toml");
  std::ofstream(config) << world.Config("2s", db);
  Daemon daemon(config, world.dir().file("daemon.log"));
  daemon.Start();
  CHECK(daemon.WaitExit(60s) == 74);
  INFO("daemon log: " << ReadFile(daemon.log()));
  CHECK(daemon.CountInLog("disk is full") >= 1);
  CHECK(daemon.CountInLog(db) >= 1);  // the message names the file

  // What was committed is intact, and a start with room finishes the job: nothing stored
  // before the disk filled was lost or damaged.
  const std::string roomy = world.dir().file("roomy.db");
  CopyDatabase(db, roomy);
  CHECK(IntegrityCheck(roomy) == "ok");
  const std::string config2 = world.dir().file("roomy.toml");
  std::ofstream(config2) << world.Config("2s", roomy);
  Daemon again(config2, world.dir().file("again.log"));
  again.Start();
  CHECK(WaitUntil([&] { return World::SameCounts(world.Stored(roomy), world.Truth()); }, 90s));
  again.Signal(SIGTERM);
  CHECK(again.WaitExit(10s) == 0);
  CHECK(IntegrityCheck(roomy) == "ok");
}

TEST_CASE("a corrupt page in a copy of the database stops ghharvest with exit 74 naming the file") {
  World world;
  const std::string config = world.dir().file("ghharvest.toml");
  std::ofstream(config) << world.Config();
  {
    Daemon daemon(config, world.dir().file("daemon.log"));
    daemon.Start();
    REQUIRE(WaitUntil([&] { return World::SameCounts(world.Stored(), world.Truth()); }, 90s));
    daemon.Signal(SIGTERM);
    REQUIRE(daemon.WaitExit(10s) == 0);
  }
  {
    auto db = gh::store::Database::Open(world.dir().file("ghharvest.db"));
    REQUIRE_OK(db);
    REQUIRE_OK((*db)->Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  }
  // A copy with every page after the first few damaged: SQLite's header still reads, the
  // tables do not.
  const std::string copy = world.dir().file("copy.db");
  fs::copy_file(world.dir().file("ghharvest.db"), copy);
  const auto size = fs::file_size(copy);
  REQUIRE(size > 16 * 4096);
  {
    std::fstream f(copy, std::ios::in | std::ios::out | std::ios::binary);
    for (std::uintmax_t at = 4 * 4096; at + 4096 <= size; at += 4096) {
      f.seekp(static_cast<std::streamoff>(at + 100));
      f << std::string(64, '\xa5');
    }
  }
  const std::string config2 = world.dir().file("copy.toml");
  std::ofstream(config2) << world.Config("2s", copy);
  Daemon daemon(config2, world.dir().file("copy.log"));
  daemon.Start();
  CHECK(daemon.WaitExit(60s) == 74);
  INFO("daemon log: " << ReadFile(daemon.log()));
  CHECK(daemon.CountInLog("malformed") + daemon.CountInLog("not a database") >= 1);
  CHECK(daemon.CountInLog(copy) >= 1);
}
